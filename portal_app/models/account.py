"""Accounts, their contacts, service areas and the provider's settings."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from portal_app.models.base import AccountRow, Row, utc_field
from portal_app.models.statuses import AccountStatus, ServiceState, status_field


class ProviderSettings(Row, table=True):
    """The one row of switches the provider's admin controls."""

    __tablename__ = "provider_settings"
    allow_ticket_creation: bool = True
    allow_service_change: bool = True
    lock_recurring_edit: bool = False
    recurring_lock_reason: str = ""
    scheduling_popup: bool = True
    min_payment_cents: int = 100
    max_payment_cents: int = 500_000
    reschedule_cutoff_hours: int = 24
    autopay_max_retries: int = 3
    agent_refund_limit_cents: int = 10_000  # agents refund up to this per refund; admins without limit
    # An account suspended for non-payment is restored by a payment that brings its balance to this or less.
    restore_threshold_cents: int = 0
    # Promises to pay (extensions): up to this many days ahead (0: not offered), this many a year, and
    # only after payments of at least this much in the last 30 days.
    promise_max_days: int = 14
    promise_per_year: int = 2
    promise_min_paid_cents: int = 0
    # Vacation holds: offered or not, for this many days at least / at most, starting at most this many days
    # ahead, at this monthly price while on hold (0: free), and at most this many a year (0: no limit).
    hold_allowed: bool = False
    hold_min_days: int = 7
    hold_max_days: int = 90
    hold_max_ahead_days: int = 60
    hold_price_cents: int = 500
    hold_per_year: int = 2
    # A package change costs this once (0: free), on the next bill and in the preview before PLACE ORDER.
    change_fee_cents: int = 0


class ContactType(Row, table=True):
    __tablename__ = "contact_type"
    name: str = Field(unique=True, max_length=60)
    sort_order: int = 0


class ServiceArea(Row, table=True):
    __tablename__ = "service_area"
    name: str = Field(max_length=120)
    zip_codes: str = Field(default="", description="Comma-separated ZIP codes served")
    # Cart sign-up: "disabled", "optional" or "required" portal-account step.
    portal_account_mode: str = Field(default="optional", max_length=16)


def display_name_of(kind: str, first_name: str, last_name: str, company_name: str) -> str:
    """How an account is named to people: a business by its company, anyone else by their name."""
    if kind == "business" and company_name:
        return company_name
    return f"{first_name} {last_name}".strip()


class Account(Row, table=True):
    """A subscriber account; its account number is the subscriber ID people quote."""

    __tablename__ = "account"
    account_number: str = Field(unique=True, index=True, max_length=32)
    kind: str = Field(default="residential", max_length=16)  # residential | business
    first_name: str = Field(default="", max_length=80)
    last_name: str = Field(default="", max_length=80)
    company_name: str = Field(default="", max_length=160)
    service_street: str = Field(default="", max_length=200)
    service_city: str = Field(default="", max_length=100)
    service_state: str = Field(default="", max_length=40)
    service_zip: str = Field(default="", max_length=16)
    billing_zip: str = Field(default="", max_length=16)
    service_area_id: int | None = Field(default=None, foreign_key="service_area.id")
    status: AccountStatus = status_field("active", max_length=16)
    service_status: ServiceState = status_field("active", max_length=24)
    service_status_reason: str = Field(default="", max_length=200)  # shown to the subscriber
    service_status_changed_at: datetime | None = utc_field(nullable=True)
    paperless: bool = True
    # A payment in flight claims the account; the claim doubles as the idempotency key.
    payment_claim: str | None = Field(default=None, max_length=64)
    payment_claim_expires_at: datetime | None = utc_field(nullable=True)
    # The account's one customer at the payment gateway (Stripe "cus_..."), created once and reused.
    gateway_customer_id: str = Field(default="", max_length=120)
    created_at: datetime = utc_field(default_now=True)

    @property
    def display_name(self) -> str:
        return display_name_of(self.kind, self.first_name, self.last_name, self.company_name)

    @property
    def service_address_lines(self) -> list[str]:
        """The service address as printed on a bill: the street, then "City, ST ZIP"."""
        region = f"{self.service_state} {self.service_zip}".strip()
        city = ", ".join(part for part in (self.service_city, region) if part)
        return [line for line in (self.service_street, city) if line]

    @property
    def service_address(self) -> str:
        """The service address on one line."""
        return ", ".join(self.service_address_lines)


class Contact(AccountRow, table=True):
    """A person on the account; reachable through one or more contact points."""

    __tablename__ = "contact"
    contact_type_id: int | None = Field(default=None, foreign_key="contact_type.id")
    first_name: str = Field(default="", max_length=80)
    last_name: str = Field(default="", max_length=80)
    created_at: datetime = utc_field(default_now=True)
    external_id: str = Field(default="", max_length=64, index=True)  # the provider's own id (imports)


class ContactPoint(Row, table=True):
    """An email address or phone number of a contact (phones stored in E.164)."""

    __tablename__ = "contact_point"
    contact_id: int = Field(foreign_key="contact.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    kind: str = Field(max_length=8)  # email | phone
    value: str = Field(max_length=254)
    label: str = Field(default="", max_length=40)
