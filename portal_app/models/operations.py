"""Running the portal: the staff audit log and the job runner's leases and runs."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.models.base import utc_field


class StaffAuditEntry(SQLModel, table=True):
    """Who on the staff changed what, when and from where. Append-only."""

    __tablename__ = "staff_audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: dt.datetime = utc_field(default_now=True, index=True)
    # No foreign key: the log is evidence, kept as written whatever happens to the staff rows.
    staff_user_id: int | None = Field(default=None, index=True)
    actor_name: str = Field(max_length=120)
    action: str = Field(max_length=60, index=True)  # e.g. settings.update, staff.invite, account.ticket
    target: str = Field(default="", max_length=120)  # what it was done to: an account number, a username
    detail: str = Field(default="", max_length=1000)
    client_ip: str = Field(default="", max_length=64)


class JobState(SQLModel, table=True):
    """One scheduled job: who holds its lease, and how its last run went."""

    __tablename__ = "job_state"
    name: str = Field(primary_key=True, max_length=40)
    lease_holder: str = Field(default="", max_length=120)
    lease_until: dt.datetime | None = utc_field(nullable=True)
    last_started_at: dt.datetime | None = utc_field(nullable=True)
    last_finished_at: dt.datetime | None = utc_field(nullable=True)
    last_outcome: str = Field(default="", max_length=12)  # ok | failed
    last_summary: str = Field(default="", max_length=1000)
    failures_in_row: int = 0
    next_run_at: dt.datetime | None = utc_field(nullable=True)


class ImportBatch(SQLModel, table=True):
    """CSV files an admin uploaded: dry-run first, applied on request; removed by the cleanup job."""

    __tablename__ = "import_batch"
    id: int | None = Field(default=None, primary_key=True)
    staff_user_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: dt.datetime = utc_field(default_now=True)
    files_json: str = Field(sa_type=sa.Text())  # {"accounts": "<csv text>", ...}
    file_names: str = Field(default="", max_length=500)
    applied_at: dt.datetime | None = utc_field(nullable=True)
