"""Outgoing mail (the outbox) and the append-only account history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from sqlmodel import Field

from portal_app.models.base import AccountRow, Row, utc_field


class OutboxMail(Row, table=True):
    """Mail written in the same transaction as the change that caused it; a job delivers it."""

    __tablename__ = "outbox_mail"
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body_text: str
    body_html: str | None = Field(default=None, sa_type=sa.Text())  # the HTML alternative, when there is one
    created_at: dt.datetime = utc_field(default_now=True)
    attempts: int = 0
    next_attempt_at: dt.datetime = utc_field(default_now=True)
    sent_at: dt.datetime | None = utc_field(nullable=True)
    last_error: str = Field(default="", max_length=500)
    # One optional text attachment, e.g. an appointment's calendar file.
    attachment_name: str = Field(default="", max_length=120)
    attachment_type: str = Field(default="", max_length=80)  # e.g. text/calendar
    attachment_text: str | None = Field(default=None, sa_type=sa.Text())


class AccountHistory(AccountRow, table=True):
    """Who did what to an account. Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "account_history"
    occurred_at: dt.datetime = utc_field(default_now=True, index=True)
    actor_kind: str = Field(max_length=12)  # subscriber | staff | system
    actor_name: str = Field(max_length=120)
    kind: str = Field(max_length=24, index=True)  # access | payment | contact | ticket | ...
    action: str = Field(max_length=60)
    entity_type: str = Field(default="", max_length=40)
    entity_id: int | None = None
    summary: str = Field(max_length=500)
