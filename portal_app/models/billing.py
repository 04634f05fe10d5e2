"""Packages, services, invoices, payments, stored payment methods and AutoPay."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from portal_app.models.base import AccountRow, Row, utc_field
from portal_app.models.statuses import (
    AdjustmentStatus, BillDelivery, InvoiceLineKind, InvoiceStatus, MandateStatus, PaymentStatus, PromiseStatus,
    ServiceStatus, status_field,
)


class Package(Row, table=True):
    __tablename__ = "package"
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    monthly_price_cents: int = 0
    download_mbps: int = 0
    upload_mbps: int = 0
    active: bool = True


class PackageItem(Row, table=True):
    """What a package consists of: the service itself, equipment, fees."""

    __tablename__ = "package_item"
    package_id: int = Field(foreign_key="package.id", index=True)
    name: str = Field(max_length=120)
    detail: str = Field(default="", max_length=200)
    price_cents: int = 0
    sort_order: int = 0


class ServiceAreaPackage(SQLModel, table=True):
    __tablename__ = "service_area_package"
    service_area_id: int = Field(foreign_key="service_area.id", primary_key=True)
    package_id: int = Field(foreign_key="package.id", primary_key=True)


class AccountService(AccountRow, table=True):
    """A package (billed) or a non-billable service on an account."""

    __tablename__ = "account_service"
    package_id: int | None = Field(default=None, foreign_key="package.id")
    name: str = Field(max_length=120)
    billable: bool = True
    monthly_price_cents: int = 0
    status: ServiceStatus = status_field("active", max_length=16)
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    external_id: str = Field(default="", max_length=64, index=True)  # the provider's own id (imports)


class Invoice(AccountRow, table=True):
    __tablename__ = "invoice"
    number: str = Field(unique=True, max_length=32)
    issued_on: dt.date
    due_on: dt.date
    period_start: dt.date
    period_end: dt.date
    total_cents: int
    status: InvoiceStatus = status_field("open", max_length=8)
    # How the bill went out: emailed (paperless accounts) or printed and posted (`paper-bills`).
    delivery: BillDelivery = status_field("email", max_length=8)
    created_at: dt.datetime = utc_field(default_now=True)
    # A paper bill marked printed (staff Paper bills page or `paper-bills --mark-printed`): off the waiting list.
    printed_at: dt.datetime | None = utc_field(nullable=True)


class InvoiceLine(Row, table=True):
    __tablename__ = "invoice_line"
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    description: str = Field(max_length=200)
    amount_cents: int
    sort_order: int = 0
    kind: InvoiceLineKind = status_field("service", max_length=12)
    # The account's service the line bills (service and part-month lines), so the next bill can say
    # what changed for it; empty for fees, taxes and lines imported from another billing system.
    account_service_id: int | None = Field(default=None, foreign_key="account_service.id", index=True)


class PaymentMethod(AccountRow, table=True):
    """A stored card or bank account: the gateway's token and display facts, never the number."""

    __tablename__ = "payment_method"
    kind: str = Field(max_length=8)  # card | ach
    gateway: str = Field(max_length=16)
    gateway_token: str = Field(max_length=120)
    brand: str = Field(default="", max_length=40)  # "Visa" or the bank's name
    last4: str = Field(max_length=4)
    exp_month: int | None = None
    exp_year: int | None = None
    # A bank account's debit mandate at the gateway; "inactive" keeps AutoPay from charging it.
    mandate_id: str = Field(default="", max_length=120)
    mandate_status: MandateStatus = status_field("", max_length=16)
    created_at: dt.datetime = utc_field(default_now=True)
    removed_at: dt.datetime | None = utc_field(nullable=True)


class Payment(AccountRow, table=True):
    __tablename__ = "payment"
    receipt_number: str = Field(unique=True, max_length=32)
    amount_cents: int
    status: PaymentStatus = status_field("pending", max_length=10)
    method_kind: str = Field(max_length=8)  # card | ach
    method_label: str = Field(max_length=60)  # "Visa •••• 4242"
    payment_method_id: int | None = Field(default=None, foreign_key="payment_method.id")
    source: str = Field(default="portal", max_length=12)  # portal | quickpay | autopay | staff
    gateway: str = Field(max_length=16)
    gateway_ref: str = Field(default="", max_length=120)
    idempotency_key: str = Field(unique=True, max_length=64)
    failure_reason: str = Field(default="", max_length=200)
    # Hosted payments: the Checkout Session that collects it (asked about when its webhook is late).
    checkout_session_id: str = Field(default="", max_length=120)
    # What the payer still has to do while it is pending (verify microdeposits), shown and mailed.
    payer_note: str = Field(default="", max_length=300)
    # Staff-visible: "" | refunded | partly_refunded | disputed | returned | dispute_won | dispute_lost
    flag: str = Field(default="", max_length=20)
    created_at: dt.datetime = utc_field(default_now=True)
    settled_at: dt.datetime | None = utc_field(nullable=True)


class PaymentAllocation(Row, table=True):
    """How much of a payment went to which invoice (oldest open invoices first)."""

    __tablename__ = "payment_allocation"
    payment_id: int = Field(foreign_key="payment.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount_cents: int


class PaymentAdjustment(Row, table=True):
    """Money taken back from a succeeded payment: a refund, a dispute (chargeback) or an ACH return.

    While `status` is pending or applied it counts against the payment (the balance rises by it
    and its allocations are reversed); a dispute the provider wins becomes `reversed`.
    """

    __tablename__ = "payment_adjustment"
    payment_id: int = Field(foreign_key="payment.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    kind: str = Field(max_length=10)  # refund | dispute | return
    amount_cents: int
    status: AdjustmentStatus = status_field("applied", max_length=10)
    reason: str = Field(default="", max_length=200)
    gateway_ref: str = Field(default="", max_length=120, index=True)  # re_..., dp_..., or the returned charge
    idempotency_key: str = Field(unique=True, max_length=80)
    created_by: str = Field(default="", max_length=120)
    created_at: dt.datetime = utc_field(default_now=True)


class RecurringPayment(AccountRow, table=True):
    """AutoPay: charge the stored method on each invoice's due date."""

    __tablename__ = "recurring_payment"
    payment_method_id: int = Field(foreign_key="payment_method.id")
    repeat_rule: str = Field(default="invoice_due_date", max_length=24)
    mandate_version: str = Field(default="", max_length=16)
    mandate_accepted_at: dt.datetime | None = utc_field(nullable=True)
    mandate_ip: str = Field(default="", max_length=64)
    consecutive_failures: int = 0
    created_at: dt.datetime = utc_field(default_now=True)
    cancelled_at: dt.datetime | None = utc_field(nullable=True)


class GatewayEvent(Row, table=True):
    """A payment-gateway webhook event, recorded once by its id (replays are ignored)."""

    __tablename__ = "gateway_event"
    gateway: str = Field(max_length=16)
    event_id: str = Field(unique=True, max_length=120)
    event_type: str = Field(max_length=80)
    received_at: dt.datetime = utc_field(default_now=True)


class PaymentPromise(AccountRow, table=True):
    """A promise to pay by a date (an extension): while active the service stays on; paid, it is kept;
    unpaid after the date, it lapses (and a service it restored is suspended again)."""

    __tablename__ = "payment_promise"
    promised_on: dt.date
    amount_cents: int  # what was owed (above the restore threshold) when it was made
    status: PromiseStatus = status_field("active", max_length=10)
    restored_service: bool = False  # it turned a service suspended for non-payment back on
    created_by: str = Field(default="", max_length=120)
    created_at: dt.datetime = utc_field(default_now=True)
    reminded_at: dt.datetime | None = utc_field(nullable=True)
    closed_at: dt.datetime | None = utc_field(nullable=True)
