"""Running the portal: the staff audit log and the job runner's leases and runs."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.models.base import Row, utc_field


class StaffAuditEntry(Row, table=True):
    """Who on the staff changed what, when and from where. Append-only."""

    __tablename__ = "staff_audit_entry"
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


class ImportBatch(Row, table=True):
    """CSV files an admin uploaded: dry-run first, applied on request; removed by the cleanup job."""

    __tablename__ = "import_batch"
    staff_user_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: dt.datetime = utc_field(default_now=True)
    files_json: str = Field(sa_type=sa.Text())  # {"accounts": "<csv text>", ...}
    file_names: str = Field(default="", max_length=500)
    applied_at: dt.datetime | None = utc_field(nullable=True)


class ApiKey(Row, table=True):
    """A key the provider's billing system uses on the integration API; only its hash is stored."""

    __tablename__ = "api_key"
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=16, index=True)  # shown to staff to tell keys apart
    key_hash: str = Field(unique=True, max_length=64)
    scope: str = Field(max_length=8)  # read | write (write includes read)
    created_by: str = Field(max_length=120)
    created_at: dt.datetime = utc_field(default_now=True)
    last_used_at: dt.datetime | None = utc_field(nullable=True)
    revoked_at: dt.datetime | None = utc_field(nullable=True)


class WebhookEndpoint(Row, table=True):
    """Where the provider wants to hear about subscribers' actions; the signing secret is sealed."""

    __tablename__ = "webhook_endpoint"
    url: str = Field(max_length=500)
    secret_sealed: str = Field(max_length=500)
    active: bool = True
    created_by: str = Field(max_length=120)
    created_at: dt.datetime = utc_field(default_now=True)


class WebhookDelivery(Row, table=True):
    """One event for one endpoint: the delivery log, retried with back-off until delivered or given up."""

    __tablename__ = "webhook_delivery"
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    event: str = Field(max_length=40)
    payload: str = Field(sa_type=sa.Text())
    created_at: dt.datetime = utc_field(default_now=True)
    attempts: int = 0
    next_attempt_at: dt.datetime = utc_field(default_now=True, index=True)
    delivered_at: dt.datetime | None = utc_field(nullable=True)
    dead: bool = False
    last_status: int | None = None
    last_error: str = Field(default="", max_length=300)
