"""Contracts with e-signature evidence, back-office workflows and cart orders."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from portal_app.models.base import AccountRow, Row, utc_field
from portal_app.models.statuses import ContractStatus, HoldStatus, OrderStatus, TaskStatus, WorkflowStatus, status_field


class Contract(AccountRow, table=True):
    __tablename__ = "contract"
    title: str = Field(max_length=160)
    body_text: str
    version: str = Field(default="1", max_length=16)
    status: ContractStatus = status_field("pending", max_length=12)
    created_at: dt.datetime = utc_field(default_now=True)
    signed_at: dt.datetime | None = utc_field(nullable=True)
    signer_name: str = Field(default="", max_length=160)
    signer_ip: str = Field(default="", max_length=64)
    signer_user_agent: str = Field(default="", max_length=300)
    signed_text_sha256: str = Field(default="", max_length=64)


class CartOrder(Row, table=True):
    """An order placed through the public cart or a package change."""

    __tablename__ = "cart_order"
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    kind: str = Field(default="new_service", max_length=24)  # new_service | package_change
    service_area_id: int | None = Field(default=None, foreign_key="service_area.id")
    package_id: int = Field(foreign_key="package.id")
    previous_package_id: int | None = Field(default=None, foreign_key="package.id")
    prorate_now: bool = False
    status: OrderStatus = status_field("placed", max_length=16)
    created_at: dt.datetime = utc_field(default_now=True)
    # A package change as ordered: the service line it changes, both monthly prices as quoted, and the
    # day the new price starts (the order's day when prorated, else the first day of the next bill).
    account_service_id: int | None = Field(default=None, foreign_key="account_service.id")
    previous_price_cents: int = 0
    new_price_cents: int = 0
    effective_on: dt.date | None = None
    # The invoice that carried its part-month lines (a prorated change is invoiced once).
    prorated_invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    # The provider's package-change fee as quoted, and the invoice that charged it (once).
    fee_cents: int = 0
    fee_invoice_id: int | None = Field(default=None, foreign_key="invoice.id")


class ServiceHold(AccountRow, table=True):
    """A vacation hold: the service paused from `starts_on` to `ends_on` (both included), billed at
    `monthly_price_cents` (the provider's hold price when asked for) instead of the package price."""

    __tablename__ = "service_hold"
    workflow_id: int | None = Field(default=None, foreign_key="workflow.id")
    starts_on: dt.date
    ends_on: dt.date
    monthly_price_cents: int = 0
    status: HoldStatus = status_field("requested", max_length=12, index=True)
    created_at: dt.datetime = utc_field(default_now=True)
    requested_by: str = Field(default="", max_length=120)
    decided_at: dt.datetime | None = utc_field(nullable=True)
    decided_by: str = Field(default="", max_length=120)
    # The last hold day an invoice has billed at the hold price (None: none yet).
    invoiced_through: dt.date | None = None


class Workflow(AccountRow, table=True):
    """A back-office job for an account (an install, a service change)."""

    __tablename__ = "workflow"
    cart_order_id: int | None = Field(default=None, foreign_key="cart_order.id")
    kind: str = Field(max_length=24)
    title: str = Field(max_length=160)
    status: WorkflowStatus = status_field("open", max_length=12)
    created_at: dt.datetime = utc_field(default_now=True)
    closed_at: dt.datetime | None = utc_field(nullable=True)


class WorkflowTask(Row, table=True):
    __tablename__ = "workflow_task"
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    name: str = Field(max_length=160)
    sequence: int = 0  # tie-break for tasks on independent lines
    status: TaskStatus = status_field("pending", max_length=12)
    trackable: bool = False
    portal_name: str = Field(default="", max_length=120)
    portal_description: str = Field(default="", max_length=500)
    run_count: int = 0
    completed_at: dt.datetime | None = utc_field(nullable=True)


class WorkflowTaskDependency(SQLModel, table=True):
    __tablename__ = "workflow_task_dependency"
    task_id: int = Field(foreign_key="workflow_task.id", primary_key=True)
    depends_on_task_id: int = Field(foreign_key="workflow_task.id", primary_key=True)
