"""The values each status column may hold, as `Literal` types.

The code writes and compares plain strings (`payment.status == "succeeded"`), so a type checker
flags a value outside the column's Literal, and the columns stay plain VARCHARs on every database
(no native enum types to migrate). `tests/unit/test_statuses.py` holds every status literal in the
code to these lists as well.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Field

AccountStatus = Literal["active", "closed"]
# Whether the subscriber's connection is on: staff (or the integration API) suspend and restore it;
# a payment restores an account suspended for non-payment once the balance is under the threshold.
ServiceState = Literal["active", "suspended_nonpayment", "suspended_request", "disconnected"]
ServiceStatus = Literal["active", "pending", "ended"]
InvoiceStatus = Literal["open", "paid", "void"]
PaymentStatus = Literal["pending", "succeeded", "failed"]
MandateStatus = Literal["", "active", "inactive"]
AdjustmentStatus = Literal["pending", "applied", "failed", "reversed"]
ContractStatus = Literal["pending", "signed"]
OrderStatus = Literal["placed", "completed"]
WorkflowStatus = Literal["open", "closed"]
TaskStatus = Literal["pending", "in_progress", "completed", "skipped"]
TicketStatus = Literal["open", "pending", "closed"]
AppointmentStatus = Literal["to_schedule", "scheduled", "completed", "cancelled"]
StaffRole = Literal["agent", "admin"]
# What a sign-in may do on an account it holds (models/identity.py AccountMembership).
MemberRole = Literal["full", "billing", "view"]
PromiseStatus = Literal["active", "kept", "lapsed", "cancelled"]
# A vacation hold: asked for, then approved or declined by staff (or cancelled), in force, and over.
HoldStatus = Literal["requested", "approved", "declined", "cancelled", "active", "ended"]
OutageStatus = Literal["open", "restored"]
# What an invoice line is, so a bill can be explained line by line: a monthly service, part of a month
# after a package change, the days of a vacation hold (the package credited, the hold price charged), a
# one-time charge, a recurring fee, a credit, a late fee or a tax.
InvoiceLineKind = Literal["service", "proration", "hold", "one_time", "fee", "credit", "late_fee", "tax"]
BillDelivery = Literal["email", "paper"]

STATUS_TYPES = (AccountStatus, ServiceStatus, InvoiceStatus, PaymentStatus, AdjustmentStatus, ContractStatus,
                OrderStatus, WorkflowStatus, TaskStatus, TicketStatus, AppointmentStatus, PromiseStatus, OutageStatus, HoldStatus)


def status_field(default: str, *, max_length: int, **kwargs: Any) -> Any:
    """A status column: a VARCHAR holding one of its Literal's values."""
    return Field(default=default, sa_type=sa.String(max_length), **kwargs)
