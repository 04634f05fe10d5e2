"""Balances and due dates: the one place that derives what an account owes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.models import Invoice, Payment, PaymentAdjustment, PortalUser
from portal_app.services.core.provider_settings import provider_settings


def balance_cents(db: Session, *, account_id: int) -> int:
    """Everything billed minus everything paid (less what was taken back); negative means a credit.
    One statement of three sums (the billing run asks it for every bill)."""
    billed = select(func.coalesce(func.sum(Invoice.total_cents), 0)).where(
        Invoice.account_id == account_id, Invoice.status != "void").scalar_subquery()
    paid = select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
        Payment.account_id == account_id, Payment.status == "succeeded").scalar_subquery()
    taken_back = select(func.coalesce(func.sum(PaymentAdjustment.amount_cents), 0)).where(  # refunds, open or
        PaymentAdjustment.account_id == account_id,  # lost disputes and bank returns
        col(PaymentAdjustment.status).in_(("pending", "applied"))).scalar_subquery()
    return int(db.exec(select(billed - paid + taken_back)).one())


def restore_amount(db: Session, *, account_id: int) -> int:
    """What a payment must be at least to bring the balance to the provider's restore threshold (a service
    suspended for non-payment is restored there)."""
    return max(0, balance_cents(db, account_id=account_id) - provider_settings(db).restore_threshold_cents)


def pending_payments(db: Session, *, account_id: int) -> tuple[int, bool]:
    """Payments submitted but not settled yet (a bank debit takes days): not paid, not to be paid again.

    Returns the total and whether a bank debit is among them.
    """
    rows = db.exec(select(Payment.amount_cents, Payment.method_kind).where(
        Payment.account_id == account_id, Payment.status == "pending")).all()
    return sum(int(cents) for cents, _ in rows), any(kind == "ach" for _, kind in rows)


def balances_by_account(db: Session, account_ids: list[int] | None = None) -> dict[int, int]:
    """`balance_cents` of every account (or of `account_ids`) at once, for batch jobs: three grouped sums."""
    balances: dict[int, int] = {}
    only = (lambda column: [col(column).in_(account_ids)]) if account_ids is not None else (lambda column: [])
    for sign, query in (
        (1, select(Invoice.account_id, func.sum(Invoice.total_cents))
         .where(Invoice.status != "void", *only(Invoice.account_id)).group_by(Invoice.account_id)),
        (-1, select(Payment.account_id, func.sum(Payment.amount_cents))
         .where(Payment.status == "succeeded", *only(Payment.account_id)).group_by(Payment.account_id)),
        (1, select(PaymentAdjustment.account_id, func.sum(PaymentAdjustment.amount_cents))
         .where(col(PaymentAdjustment.status).in_(("pending", "applied")), *only(PaymentAdjustment.account_id))
         .group_by(PaymentAdjustment.account_id)),
    ):
        for account_id, cents in db.exec(query).all():
            balances[account_id] = balances.get(account_id, 0) + sign * int(cents or 0)
    return balances


@dataclass(frozen=True)
class AmountDue:
    balance_cents: int
    due_on: dt.date | None  # the oldest open invoice's due date
    past_due: bool  # overdue and not covered by payments still settling
    pending_cents: int = 0  # submitted payments still settling
    pending_bank: bool = False  # a bank debit is among them
    left_cents: int = 0  # what is left to pay once those settle (never below zero)


def amount_due(db: Session, *, account_id: int, today: dt.date) -> AmountDue:
    balance = balance_cents(db, account_id=account_id)
    pending, pending_bank = pending_payments(db, account_id=account_id)
    left = max(0, balance - pending)
    oldest_open = db.exec(
        select(Invoice)
        .where(Invoice.account_id == account_id, Invoice.status == "open")
        .order_by(col(Invoice.due_on), col(Invoice.id))
    ).first()
    due_on = oldest_open.due_on if (oldest_open and balance > 0) else None
    return AmountDue(balance_cents=balance, due_on=due_on, past_due=bool(due_on and due_on < today and left > 0),
                     pending_cents=pending, pending_bank=pending_bank, left_cents=left)


def receipt_address(db: Session, *, account_id: int, user_id: int | None = None) -> str | None:
    """Where bills and receipts go: the signed-in user's email, else the account's first portal user;
    only a verified, enabled sign-in's address (an unproven one could be anybody's)."""
    if user_id is not None:
        user = db.get(PortalUser, user_id)
        if user is not None and user.account_id == account_id and user.verified_at is not None and not user.disabled:
            return user.email
    user = db.exec(select(PortalUser).where(PortalUser.account_id == account_id, col(PortalUser.verified_at).is_not(None),
                                            col(PortalUser.disabled).is_(False)).order_by(col(PortalUser.id))).first()
    return user.email if user else None


def receipt_addresses(db: Session, account_ids: list[int]) -> dict[int, str]:
    """`receipt_address` (the account's first portal user) for many accounts in one query."""
    found: dict[int, str] = {}
    for account_id, email in db.exec(select(PortalUser.account_id, PortalUser.email)
                                     .where(col(PortalUser.account_id).in_(account_ids),
                                            col(PortalUser.verified_at).is_not(None), col(PortalUser.disabled).is_(False))
                                     .order_by(col(PortalUser.account_id), col(PortalUser.id))):
        found.setdefault(account_id, email)
    return found
