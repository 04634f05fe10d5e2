"""Notifications: each account's choices, the log of what was sent, the text-message outbox, and
outage notices for service areas."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

from portal_app.models.base import AccountRow, Row, utc_field
from portal_app.models.messaging import OutboxMail
from portal_app.models.statuses import OutageStatus, status_field


class NotificationChoice(AccountRow, table=True):
    """One event's channels for one account, where the subscriber changed them from the defaults."""

    __tablename__ = "notification_choice"
    __table_args__ = (sa.UniqueConstraint("account_id", "event"),)
    event: str = Field(max_length=32)  # a key of services/notify/events.py
    email: bool = True
    sms: bool = False


class MemberNotificationChoice(SQLModel, table=True):
    """What a person invited to an account (a membership that is not the account holder's sign-in) chose to
    be emailed about that account, where it differs from their role's defaults (services/notify/events.py)."""

    __tablename__ = "member_notification_choice"
    __table_args__ = (sa.UniqueConstraint("user_id", "account_id", "event"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    event: str = Field(max_length=32)  # a key of services/notify/events.py
    email: bool = False


class NotificationSettings(SQLModel, table=True):
    """An account's texting number (verified by a code before use), opt-out and quiet hours."""

    __tablename__ = "notification_settings"
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    sms_phone: str = Field(default="", max_length=20, index=True)  # E.164, verified; "" = no texts
    sms_verified_at: dt.datetime | None = utc_field(nullable=True)
    # The number replied STOP (or the carrier says it opted out): no texts until it replies START.
    sms_opted_out_at: dt.datetime | None = utc_field(nullable=True)
    # A number waiting for its code: the code's keyed hash, expiry and wrong tries.
    pending_phone: str = Field(default="", max_length=20)
    code_hash: str = Field(default="", max_length=64)
    code_expires_at: dt.datetime | None = utc_field(nullable=True)
    code_attempts: int = 0
    # Texts wait while it is quiet where the provider is (minutes after midnight, provider's time zone).
    quiet_hours: bool = True
    quiet_start_minute: int = 21 * 60
    quiet_end_minute: int = 8 * 60


class OutboxSms(Row, table=True):
    """A text message written in the same transaction as its cause; a job sends it when it is due."""

    __tablename__ = "outbox_sms"
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    to_number: str = Field(max_length=20)  # E.164
    body: str = Field(max_length=640)
    purpose: str = Field(default="notification", max_length=16)  # notification | verification
    created_at: dt.datetime = utc_field(default_now=True)
    next_attempt_at: dt.datetime = utc_field(default_now=True, index=True)  # later than now: quiet hours
    attempts: int = 0
    sent_at: dt.datetime | None = utc_field(nullable=True)
    last_error: str = Field(default="", max_length=300)
    provider_ref: str = Field(default="", max_length=64)  # the SMS provider's message id (Twilio "SM...")


class Notification(AccountRow, table=True):
    """One message sent (or waiting) on one channel because of one event: the log staff and the
    subscriber see, and the de-duplication of repeated causes (one row per account, channel and key)."""

    __tablename__ = "notification"
    __table_args__ = (sa.UniqueConstraint("account_id", "channel", "dedupe_key"),)
    event: str = Field(max_length=32)
    channel: str = Field(max_length=8)  # email | sms
    dedupe_key: str | None = Field(default=None, max_length=120)  # None: never de-duplicated (security notices)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    created_at: dt.datetime = utc_field(default_now=True, index=True)
    outbox_mail_id: int | None = Field(default=None, foreign_key="outbox_mail.id")
    outbox_sms_id: int | None = Field(default=None, foreign_key="outbox_sms.id")
    # Set with the outbox row itself, so one flush writes both in order (no flush in the cause's work).
    mail: Optional[OutboxMail] = Relationship(sa_relationship=relationship(OutboxMail))  # noqa: UP045
    sms: Optional[OutboxSms] = Relationship(sa_relationship=relationship(OutboxSms))  # noqa: UP045


class OutageNotice(Row, table=True):
    """An outage or planned maintenance in some service areas (or everywhere), open until restored."""

    __tablename__ = "outage_notice"
    kind: str = Field(max_length=12)  # outage | maintenance
    title: str = Field(max_length=80)
    details: str = Field(default="", max_length=1000)
    starts_at: dt.datetime = utc_field()
    expected_end_at: dt.datetime | None = utc_field(nullable=True)
    all_areas: bool = False
    status: OutageStatus = status_field("open", max_length=12, index=True)
    posted_at: dt.datetime = utc_field(default_now=True)
    posted_by: str = Field(max_length=120)
    restored_at: dt.datetime | None = utc_field(nullable=True)


class OutageNoticeArea(SQLModel, table=True):
    __tablename__ = "outage_notice_area"
    notice_id: int = Field(foreign_key="outage_notice.id", primary_key=True)
    service_area_id: int = Field(foreign_key="service_area.id", primary_key=True, index=True)


class OutageUpdate(Row, table=True):
    """A later word on a notice (a new expected end, what crews found), shown under it and sent on."""

    __tablename__ = "outage_update"
    notice_id: int = Field(foreign_key="outage_notice.id", index=True)
    posted_at: dt.datetime = utc_field(default_now=True)
    posted_by: str = Field(max_length=120)
    message: str = Field(max_length=500)
