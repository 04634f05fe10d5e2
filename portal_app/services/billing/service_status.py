"""Service status: an account's connection suspended (for non-payment, or at the subscriber's request),
disconnected, or active, and restored by paying.

Staff set it (and the integration API, a system principal). A payment that brings an account
suspended for non-payment to the provider's restore threshold or below (`restore_threshold_cents`)
restores it in the payment's own transaction: one conditional UPDATE decides it (two payments at
once restore it once), then the history, a mail ("your service is being restored") and the signed
outbound webhook `service.restored`, so the provider's network (RADIUS/ACS) lifts the block.
`service.suspended` carries a restore link: short-lived and signed like Quick Pay's bill links, it
opens Quick Pay already identified with the amount that restores the service, for the network's
walled-garden redirect and for the subscriber's mail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from portal_app.models import Account, utcnow
from portal_app.models.statuses import ServiceState
from portal_app.services.core import formatting
from portal_app.services.billing import billing, quickpay
from portal_app.services.core import history
from portal_app.services.core.access import require_staff, row_or_not_found
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.notify.send import send
from portal_app.services.staff import staff_accounts

STATES: dict[str, str] = {
    "active": "Active",
    "suspended_nonpayment": "Suspended for non-payment",
    "suspended_request": "Suspended at the subscriber's request",
    "disconnected": "Disconnected",
}
# What the subscriber reads first on Home.
HEADLINES = {
    "suspended_nonpayment": _("Your service is suspended for non-payment"),
    "suspended_request": _("Your service is suspended at your request"),
    "disconnected": _("Your service is disconnected"),
}
# The state as the subscriber's mail and text name it ("Your internet service is now: disconnected.").
STATE_WORDS = {"active": _("active"), "suspended_nonpayment": _("suspended for non-payment"),
               "suspended_request": _("suspended at the subscriber's request"), "disconnected": _("disconnected")}
ACTIONS = {"active": "restored", "suspended_nonpayment": "suspended", "suspended_request": "suspended",
           "disconnected": "disconnected"}
RESTORED_BY_PAYMENT = "Restored after payment"
SUSPENDED_FOR_DEBT: set[ServiceState] = {"suspended_nonpayment"}


@dataclass(frozen=True)
class Standing:
    """What a subscriber is told about their connection."""

    service_status: ServiceState
    label: str
    reason: str
    balance_cents: int
    restore_cents: int  # what a payment must be at least to restore it (suspended for non-payment only)
    changed_at: dt.datetime | None

    @property
    def suspended(self) -> bool:
        return self.service_status != "active"


def standing(db: Session, account: Account) -> Standing:
    balance = billing.balance_cents(db, account_id=account.id)
    threshold = provider_settings(db).restore_threshold_cents if account.service_status == "suspended_nonpayment" else 0
    return Standing(service_status=account.service_status, label=STATES.get(account.service_status, account.service_status),
                    reason=account.service_status_reason, balance_cents=balance,
                    restore_cents=max(0, balance - threshold) if account.service_status == "suspended_nonpayment" else 0,
                    changed_at=account.service_status_changed_at)



def _announce(db: Session, account: Account, principal: Principal, status: str, summary: str,
              restore_cents: int = 0, *, mail: bool = True, until: dt.date | None = None) -> None:
    """History (and with it the webhook) and the subscriber's mail for a change that happened."""
    data: dict[str, str] = {"service_status": status}
    if until is not None:
        data["until"] = until.isoformat()
    if status == "suspended_nonpayment":
        data |= {"restore_url": quickpay.restore_link_url(account.account_number),
                 "restore_amount": formatting.formatter(formatting.DATA_LOCALE).plain_amount(restore_cents)}
    history.record(db, principal=principal, account_id=account.id, kind="service", action=ACTIONS[status],
                   summary=summary[:500], entity_type="account", entity_id=account.id, webhook_data=data)
    if not mail:
        return
    # Each change is made once (a conditional UPDATE), so the notice needs no key of its own.
    send(db, account_id=account.id, event="service_status", template="service_status", key=None,
         context={"status": status, "state": STATE_WORDS[status], "restore_cents": restore_cents,
                  "restore_url": data.get("restore_url", "")})


def _switch(db: Session, account_id: int, status: str, reason: str, *, only_from: str | None = None) -> bool:
    """One conditional UPDATE: True when this call changed it (so its effects happen once)."""
    values = {"service_status": status, "service_status_reason": reason[:200], "service_status_changed_at": utcnow()}
    query = update(Account).where(col(Account.id) == account_id, col(Account.service_status) != status)
    if only_from is not None:
        query = query.where(col(Account.service_status) == only_from)
    changed = db.execute(query.values(**values).execution_options(synchronize_session=False)).rowcount == 1
    account = db.identity_map.get(identity_key(Account, account_id)) if changed else None
    for name, value in values.items() if account is not None else ():
        set_committed_value(account, name, value)  # the row as written, without a read or a second write
    return changed


def set_service_status(db: Session, *, principal: Principal, account_id: int, status: str,
                       reason: str = "") -> bool:
    """Staff (or the integration API) set an account's service status; True when it changed. The caller commits."""
    if principal.kind != "system":
        require_staff(principal, what="account")
    if status not in STATES:
        raise FieldErrors({"service_status": "Choose one of: " + ", ".join(STATES.values()) + "."})
    account = row_or_not_found(db, Account, account_id, "account")
    reason = " ".join(str(reason).split())[:200]
    if not _switch(db, account.id, status, reason):
        return False
    restore = billing.restore_amount(db, account_id=account.id) if status == "suspended_nonpayment" else 0
    summary = f"Service {STATES[status].lower()}" + (f": {reason}" if reason else "")
    if status == "suspended_nonpayment":
        summary += f"; {formatting.money(restore)} restores it"
    _announce(db, account, principal, status, summary, restore)
    return True


def restore_after_payment(db: Session, *, account_id: int) -> bool:
    """After a payment succeeded: restore an account suspended for non-payment once its balance is at the
    provider's threshold or below. In the payment's transaction; True when this payment restored it."""
    account = db.get(Account, account_id)
    if account is None or account.service_status != "suspended_nonpayment" or billing.restore_amount(db, account_id=account_id) > 0:
        return False
    if not _switch(db, account_id, "active", RESTORED_BY_PAYMENT, only_from="suspended_nonpayment"):
        return False
    balance = billing.balance_cents(db, account_id=account_id)
    _announce(db, account, Principal.system("Payment"), "active",
              f"Service restored: a payment brought the balance to {formatting.money(balance)}")
    return True


def set_by_promise(db: Session, *, account: Account, on: bool, until: dt.date) -> bool:
    """A promise to pay turns a service suspended for non-payment on until its date (`on`), or, lapsed or
    cancelled while still owed, suspends it again. The promise's own mail tells the subscriber."""
    system = Principal.system("Promise to pay")
    if on:
        if not _switch(db, account.id, "active", f"On until {formatting.date(until)}: promise to pay",
                       only_from="suspended_nonpayment"):
            return False
        _announce(db, account, system, "active", f"Service restored until {formatting.date(until)} (promise to pay)",
                  mail=False, until=until)
        return True
    reason = f"The promise to pay by {formatting.date(until)} was not kept"
    if not _switch(db, account.id, "suspended_nonpayment", reason, only_from="active"):
        return False
    restore = billing.restore_amount(db, account_id=account.id)
    _announce(db, account, system, "suspended_nonpayment", f"Service suspended again: {reason}; "
              f"{formatting.money(restore)} restores it", restore, mail=False)
    return True


def set_by_hold(db: Session, *, account: Account, on_hold: bool, starts_on: dt.date, ends_on: dt.date) -> bool:
    """A vacation hold starts (the service suspended at the subscriber's request: `service.held`) or ends
    (back to active: `service.restored`). Only an active service is held, and only a held one comes back;
    True when this call changed it. The history and the webhook go with it; the hold's own notice tells
    the subscriber (services/orders/holds.py)."""
    system = Principal.system("Vacation hold")
    span = formatting.date_range(starts_on, ends_on)
    if on_hold:
        if not _switch(db, account.id, "suspended_request", f"Vacation hold until {formatting.date(ends_on)}",
                       only_from="active"):
            return False
        summary, status, action = f"Service paused for the vacation hold {span}", "suspended_request", "held"
    else:
        if not _switch(db, account.id, "active", "Vacation hold over", only_from="suspended_request"):
            return False
        summary, status, action = f"Service back on: the vacation hold {span} is over", "active", "restored"
    history.record(db, principal=system, account_id=account.id, kind="service", action=action, summary=summary,
                   entity_type="account", entity_id=account.id,
                   webhook_data={"service_status": status, "hold_starts_on": starts_on.isoformat(),
                                 "hold_ends_on": ends_on.isoformat()})
    return True


def recently_restored(account: Account, now: dt.datetime | None = None) -> bool:
    """Restored by a payment in the last day: Home says the service is being restored."""
    now = now or utcnow()
    return (account.service_status == "active" and account.service_status_reason == RESTORED_BY_PAYMENT
            and account.service_status_changed_at is not None
            and now - account.service_status_changed_at < dt.timedelta(days=1))


@dataclass(frozen=True)
class StaffView:
    account_id: int
    account_number: str
    name: str
    standing: Standing
    restore_link: str  # for an account suspended for non-payment: to send the subscriber


def staff_view(db: Session, *, principal: Principal, account_number: str) -> StaffView:
    """An account's service status for staff, by the number people quote."""
    account = staff_accounts.access_account_by_number(db, principal=principal, account_number=str(account_number)[:32])
    state = standing(db, account)
    link = quickpay.restore_link_url(account.account_number) if state.service_status in SUSPENDED_FOR_DEBT else ""
    return StaffView(account_id=account.id, account_number=account.account_number, name=account.display_name,
                     standing=state, restore_link=link)
