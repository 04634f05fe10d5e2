"""The values each status column may hold, as `StrEnum`s.

Members are strings, so rows read back compare equal to them (`payment.status == PaymentStatus.SUCCEEDED`)
and the columns stay plain VARCHARs on every database (no native enum types to migrate).
`tests/unit/test_statuses.py` checks every status literal in the code is a member of its column's enum.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field


class AccountStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class ServiceStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    ENDED = "ended"


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class MandateStatus(StrEnum):
    NONE = ""
    ACTIVE = "active"
    INACTIVE = "inactive"


class AdjustmentStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    FAILED = "failed"
    REVERSED = "reversed"


class ContractStatus(StrEnum):
    PENDING = "pending"
    SIGNED = "signed"


class OrderStatus(StrEnum):
    PLACED = "placed"
    COMPLETED = "completed"


class WorkflowStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaskStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SKIPPED = "skipped"


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"


class AppointmentStatus(StrEnum):
    TO_SCHEDULE = "to_schedule"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StaffRole(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


def status_field(default: StrEnum, *, max_length: int, **kwargs: Any) -> Any:
    """A status column: a VARCHAR holding one of `default`'s enum members."""
    return Field(default=default, sa_type=sa.String(max_length), **kwargs)
