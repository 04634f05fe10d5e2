"""What the home page shows a signed-in subscriber."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.models import AccountMembership, Contact, ContactPoint, PortalUser, ServiceHold
from portal_app.services.billing import billing, promises, service_status
from portal_app.services.core.access import access_account
from portal_app.services.core.principal import Principal


@dataclass(frozen=True)
class HomeSummary:
    display_name: str
    first_name: str
    account_number: str
    account_kind: str
    service_address: str
    balance_cents: int
    due_on: dt.date | None
    past_due: bool
    pending_cents: int = 0  # payments still settling
    pending_bank: bool = False  # one of them is a bank debit
    left_cents: int = 0  # what is left to pay once they settle
    service_status: str = "active"  # suspended ones are told first thing (services/billing/service_status.py)
    service_label: str = ""  # "Your service is suspended for non-payment"
    service_reason: str = ""
    on_hold: bool = False  # paused by a vacation hold in force (the subscriber can end it: /services/hold)
    restore_cents: int = 0  # suspended for non-payment: what a payment must be at least to restore it
    restoring: bool = False  # a payment restored it in the last day
    promise_on: dt.date | None = None  # an active promise to pay: by when, and how much
    promise_cents: int = 0
    promise_latest: dt.date | None = None  # a promise may be made now, up to this date
    promise_refused: str = ""  # why a suspended or past-due subscriber cannot promise now


INVITATION = "invitation"  # how an accepted invitation's membership is marked (memberships.accept)


def greeting_name(db: Session, *, principal: Principal, account) -> str:
    """The signed-in person's first name: the contact holding their sign-in email, not the account's first contact.

    A business account's holder ("Rosa") is often not the person using the portal ("Walt"). A person invited to
    the account by its holder is greeted as themselves (the contact with their email on the account or on their
    own account, else their username), never as the holder; a sign-in that proved it holds the account is its
    holder's.
    """
    user = db.get(PortalUser, principal.user_id) if principal.user_id else None
    if user is None:
        return account.first_name or account.display_name
    added_by = db.exec(select(AccountMembership.added_by).where(AccountMembership.user_id == user.id,
                                                                AccountMembership.account_id == account.id)).first()
    invited = (added_by or "").startswith(INVITATION)
    homes = [account.id] if user.account_id == account.id or not invited else [account.id, user.account_id]
    for home in homes:
        first = db.exec(
            select(Contact.first_name).join(ContactPoint, col(ContactPoint.contact_id) == col(Contact.id))
            .where(Contact.account_id == home, ContactPoint.account_id == home,
                   ContactPoint.kind == "email", func.lower(ContactPoint.value) == user.email.lower())
            .order_by(col(Contact.id))
        ).first()
        if first:
            return first
    if invited or (account.kind == "business" and user.account_id == account.id):
        return user.username
    return account.first_name or account.display_name


def home_summary(db: Session, *, principal: Principal, today: dt.date) -> HomeSummary:
    account = access_account(db, principal)
    due = billing.amount_due(db, account_id=account.id, today=today)
    address = account.service_address
    promise = promises.active_promise(db, account.id)
    owed = billing.restore_amount(db, account_id=account.id) if promise or due.past_due or account.service_status != "active" else 0
    offer = (promises.offer(db, account, today=today) if promise is None and owed > 0
             and (due.past_due or account.service_status == "suspended_nonpayment") else promises.Offer(False))
    return HomeSummary(
        display_name=account.display_name,
        first_name=greeting_name(db, principal=principal, account=account),
        account_number=account.account_number,
        account_kind=account.kind,
        service_address=address,
        balance_cents=due.balance_cents,
        due_on=due.due_on,
        past_due=due.past_due,
        pending_cents=due.pending_cents,
        pending_bank=due.pending_bank,
        left_cents=due.left_cents,
        service_status=account.service_status,
        service_label=service_status.HEADLINES.get(account.service_status, ""),
        service_reason=account.service_status_reason if account.service_status != "active" else "",
        restore_cents=(billing.restore_amount(db, account_id=account.id)
                       if account.service_status == "suspended_nonpayment" else 0),
        restoring=service_status.recently_restored(account),
        # Read only while paused at the subscriber's request: an active account's Home needs no query for it.
        on_hold=account.service_status == "suspended_request" and db.exec(select(ServiceHold.id).where(
            ServiceHold.account_id == account.id, ServiceHold.status == "active")).first() is not None,
        promise_on=promise.promised_on if promise is not None and owed > 0 else None,
        promise_cents=owed if promise is not None else 0,
        promise_latest=offer.latest if offer.allowed else None,
        promise_refused=offer.reason,
    )
