"""Who can sign in: portal users, staff users, their sessions, tokens and rate limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from portal_app.models.base import AccountRow, Row, utc_field
from portal_app.models.statuses import MemberRole, StaffRole, status_field


class PortalUser(AccountRow, table=True):
    """A subscriber's sign-in. `account_id` is the account it was created for (its home account: sessions
    start there, mail about the sign-in names it); what it may do on which account is its AccountMembership
    rows (one of the home account, role full, made with the sign-in)."""

    __tablename__ = "portal_user"
    username: str = Field(unique=True, index=True, max_length=64)  # stored lower-case
    email: str = Field(index=True, max_length=254)  # stored lower-case
    password_hash: str | None = Field(default=None, max_length=255)
    verified_at: datetime | None = utc_field(nullable=True)
    failed_sign_ins: int = 0
    locked_until: datetime | None = utc_field(nullable=True)
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_enabled_at: datetime | None = utc_field(nullable=True)
    disabled: bool = False
    created_at: datetime = utc_field(default_now=True)
    last_sign_in_at: datetime | None = utc_field(nullable=True)
    # The CLDR locale this person reads (es_US...): dates and money in their pages' PDFs and their mail.
    # None: the provider's default locale (the theme's).
    language: str | None = Field(default=None, max_length=16)


HOME_ADDED_BY = "with the sign-in"  # AccountMembership.added_by of the membership a sign-in is made with


class AccountMembership(Row, table=True):
    """An account a sign-in may act for, and how: full, billing (pay, invoices, AutoPay, payment methods)
    or view (sees, changes nothing). Made with the sign-in for its home account, by an accepted invitation,
    or by the signed-in user proving another account as sign-up does. No row: no access at all."""

    __tablename__ = "account_membership"
    __table_args__ = (UniqueConstraint("user_id", "account_id", name="uq_account_membership_user_account"),)
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    role: MemberRole = status_field("view", max_length=12)
    added_at: datetime = utc_field(default_now=True)
    added_by: str = Field(default="", max_length=120)  # who added it (the inviting holder, or the sign-in itself)

    @classmethod
    def home_of(cls, user: PortalUser, *, added_by: str = HOME_ADDED_BY) -> "AccountMembership":
        """The full-role membership every sign-in has of the account it was created for."""
        return cls(user_id=user.id, account_id=user.account_id, role="full", added_by=added_by)


class RecoveryCode(Row, table=True):
    __tablename__ = "recovery_code"
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    code_hash: str = Field(max_length=128)
    used_at: datetime | None = utc_field(nullable=True)


class StaffUser(Row, table=True):
    """Provider staff (customer service, billing, install coordination)."""

    __tablename__ = "staff_user"
    username: str = Field(unique=True, index=True, max_length=64)
    email: str = Field(max_length=254)
    full_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: StaffRole = status_field("agent", max_length=16)
    disabled: bool = False
    created_at: datetime = utc_field(default_now=True)
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_enabled_at: datetime | None = utc_field(nullable=True)


class AuthToken(Row, table=True):
    """A one-time token (verification, reset, session ticket); only its hash is stored."""

    __tablename__ = "auth_token"
    purpose: str = Field(max_length=24, index=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int | None = Field(default=None, foreign_key="portal_user.id", index=True)
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    payload: str = Field(default="", max_length=500)
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)


class UserSession(Row, table=True):
    """A signed-in browser; the cookie holds the token, the database only its hash."""

    __tablename__ = "user_session"
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int | None = Field(default=None, foreign_key="portal_user.id", index=True)
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    # The account this subscriber session acts for (switched in the header); empty: the login's home account.
    account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = utc_field(default_now=True)
    last_seen_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)
    client_ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class RateLimitBucket(Row, table=True):
    """Failures counted per key (account, client address) with an exponential back-off."""

    __tablename__ = "rate_limit_bucket"
    key: str = Field(unique=True, max_length=200)
    failures: int = 0
    window_started_at: datetime = utc_field(default_now=True)
    blocked_until: datetime | None = utc_field(nullable=True)
