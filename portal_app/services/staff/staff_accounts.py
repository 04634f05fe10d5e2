"""Staff work on subscriber accounts: search, the Portal tab (sign-ins, the people with access and the
invitations waiting), the History tab."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from portal_app.models import Account, AccountHistory, ContactPoint, PortalUser, utcnow
from portal_app.services.core import history
from portal_app.services.identity import access_mail, memberships, ratelimit, tokens
from portal_app.services.core.access import AGENT, ROLE_LABELS, require_staff
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.identity.portal_users import (
    clean_email, clean_username, create_unverified_user, notify_new_user, username_taken,
)
from portal_app.services.core.principal import Principal
from portal_app.services.core import formatting

HISTORY_KINDS_ALL = "ALL"


def _local(moment: datetime) -> str:
    """Shown in the provider's time zone, as staff read every other time."""
    return formatting.moment(moment)


@dataclass(frozen=True)
class AccountHit:
    account_number: str
    name: str
    kind: str
    address: str


def _hit(account: Account) -> AccountHit:
    return AccountHit(account.account_number, account.display_name, account.kind, account.service_address)


def find_accounts(db: Session, *, principal: Principal, query: str, limit: int = 25) -> list[AccountHit]:
    """By account number, name, company, email (portal user or contact) or phone (any format)."""
    require_staff(principal, role=AGENT, what="account")
    text = query.strip().lower()
    if len(text) < 2:
        return []
    like = f"%{text}%"
    ids: set[int] = set()
    conditions = [
        col(Account.account_number) == query.strip(),
        func.lower(Account.first_name + " " + Account.last_name).like(like),
        func.lower(Account.last_name).like(like),
        func.lower(Account.company_name).like(like),
    ]
    ids.update(db.exec(select(Account.id).where(or_(*conditions))))
    ids.update(db.exec(select(PortalUser.account_id).where(func.lower(PortalUser.email).like(like))))
    ids.update(db.exec(select(ContactPoint.account_id).where(ContactPoint.kind == "email", func.lower(ContactPoint.value).like(like))))
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 4:
        ids.update(db.exec(select(ContactPoint.account_id).where(ContactPoint.kind == "phone", col(ContactPoint.value).like(f"%{digits}%"))))
    if not ids:
        return []
    accounts = db.exec(select(Account).where(col(Account.id).in_(ids)).order_by(col(Account.account_number)).limit(limit))
    return [_hit(a) for a in accounts]


def access_account_by_number(db: Session, *, principal: Principal, account_number: str) -> Account:
    require_staff(principal, role=AGENT, what="account")
    account = db.exec(select(Account).where(Account.account_number == account_number.strip())).first()
    if account is None:
        raise NotFound("account")
    return account


@dataclass(frozen=True)
class PortalUserRow:
    id: int
    username: str
    email: str
    state: str  # Verified | Pending | Locked | Disabled
    two_factor: bool
    last_sign_in: str


def _state(user: PortalUser) -> str:
    if user.disabled:
        return "Disabled"
    if user.locked_until is not None and user.locked_until > utcnow():
        return "Locked"
    return "Verified" if user.verified_at is not None else "Pending"


def portal_users(db: Session, *, principal: Principal, account_number: str) -> list[PortalUserRow]:
    account = access_account_by_number(db, principal=principal, account_number=account_number)
    users = db.exec(select(PortalUser).where(PortalUser.account_id == account.id).order_by(col(PortalUser.id)))
    return [
        PortalUserRow(
            id=u.id or 0, username=u.username, email=u.email, state=_state(u), two_factor=u.totp_enabled_at is not None,
            last_sign_in=_local(u.last_sign_in_at) if u.last_sign_in_at else "never",
        )
        for u in users
    ]


def add_portal_user(db: Session, *, principal: Principal, account_number: str, email: str, username: str) -> PortalUser:
    """Add Portal User: email and username required; the verification email goes out at once."""
    account = access_account_by_number(db, principal=principal, account_number=account_number)
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for field, cleaner, value in (("email", clean_email, email), ("username", clean_username, username)):
        try:
            clean[field] = cleaner(value)
        except FieldErrors as problem:
            errors.update(problem.errors)
    if "username" in clean and username_taken(db, clean["username"]):
        errors["username"] = "That username is taken. Choose another."
    if errors:
        raise FieldErrors(errors)
    user = create_unverified_user(db, account=account, username=clean["username"], email=clean["email"], password=None)
    _record(db, principal, account, user, "portal_user_added",
            f"added portal user '{user.username}' ({user.email}); verification email sent")
    notify_new_user(db, new_user=user)  # the account's other sign-ins and its holder hear of it
    return user


def _portal_user(db: Session, principal: Principal, account_number: str, user_id: int) -> tuple[Account, PortalUser]:
    """A portal user of the account staff have open; one of another account is a not-found."""
    account = access_account_by_number(db, principal=principal, account_number=account_number)
    user = db.exec(select(PortalUser).where(PortalUser.id == user_id, PortalUser.account_id == account.id)).first()
    if user is None:
        raise NotFound("portal user")
    return account, user


def _record(db: Session, principal: Principal, account: Account, user: PortalUser, action: str, summary: str) -> None:
    history.record(db, principal=principal, account_id=account.id, kind="access", action=action,
                   summary=f"{principal.display_name} {summary}", entity_type="portal_user", entity_id=user.id)


def resend_verification(db: Session, *, principal: Principal, account_number: str, user_id: int) -> PortalUser:
    account, user = _portal_user(db, principal, account_number, user_id)
    if user.verified_at is not None:
        raise PortalError(f"{user.username} is already verified.")
    raw = tokens.issue(db, purpose=tokens.VERIFY, user_id=user.id)
    access_mail.send_verification(db, user=user, raw_token=raw, needs_password=user.password_hash is None)
    _record(db, principal, account, user, "verification_resent", f"resent the verification email to {user.email}")
    return user


def unlock_portal_user(db: Session, *, principal: Principal, account_number: str, user_id: int) -> PortalUser:
    """Lift a sign-in lock at the subscriber's request (they proved who they are on the phone)."""
    account, user = _portal_user(db, principal, account_number, user_id)
    user.locked_until = None
    user.failed_sign_ins = 0
    db.add(user)
    ratelimit.clear(db, [(ratelimit.SIGN_IN, ratelimit.user_value(user.id))])
    _record(db, principal, account, user, "portal_user_unlocked", f"unlocked the portal sign-in '{user.username}'")
    return user


def enable_portal_user(db: Session, *, principal: Principal, account_number: str, user_id: int) -> PortalUser:
    """Approve a sign-up held for staff approval, or restore a sign-in removed from the notice link."""
    account, user = _portal_user(db, principal, account_number, user_id)
    user.disabled = False
    db.add(user)
    _record(db, principal, account, user, "portal_user_enabled", f"enabled the portal sign-in '{user.username}'")
    return user


@dataclass(frozen=True)
class AccessRow:
    """A person who can use the account: their sign-in, role and since when (staff see the full address)."""

    username: str
    email: str
    role: str  # its label: Full access, Billing only, View only
    since: str
    added_by: str


@dataclass(frozen=True)
class InvitationRow:
    id: int
    email: str
    role: str  # its label
    expires: str


def people_with_access(db: Session, *, principal: Principal, account_number: str
                       ) -> tuple[list[AccessRow], list[InvitationRow]]:
    """Everyone holding the account (sign-ins made for it and people invited to it) and the invitations
    still waiting, as the account holder's People page lists them."""
    account = access_account_by_number(db, principal=principal, account_number=account_number)
    people = [AccessRow(username, email, ROLE_LABELS.get(m.role, m.role), _local(m.added_at), m.added_by)
              for m, username, email in memberships.memberships_of(db, account.id)]
    waiting = [InvitationRow(i.invitation_id, i.email, i.role_label, _local(i.expires_at))
               for i in memberships.invitations_of(db, account.id)]
    return people, waiting


def revoke_invitation(db: Session, *, principal: Principal, account_number: str, invitation_id: int) -> str:
    """REVOKE a pending invitation (sent to the wrong address, or the holder asks on the phone): its link stops
    working and the account's history says which staff member did it. Returns the invited address."""
    account = access_account_by_number(db, principal=principal, account_number=account_number)
    return memberships.withdraw_invitation(db, principal=principal, account_id=account.id, invitation_id=invitation_id)


@dataclass(frozen=True)
class HistoryRow:
    when: str
    who: str
    kind: str
    summary: str


HISTORY_PAGE_SIZE = 25


@dataclass(frozen=True)
class HistoryPage:
    rows: list[HistoryRow]
    page: int
    pages: int


def account_history(db: Session, *, principal: Principal, account_number: str, kind: str = HISTORY_KINDS_ALL,
                    page: int = 1) -> HistoryPage:
    """The ALL tab: newest first, one page at a time, optionally one kind."""
    account = access_account_by_number(db, principal=principal, account_number=account_number)
    only = None if kind == HISTORY_KINDS_ALL else kind
    pages = max(1, -(-history.count_history(db, account_id=account.id, kind=only) // HISTORY_PAGE_SIZE))
    page = min(max(1, int(page)), pages)
    rows = history.list_history(db, account_id=account.id, kind=only, limit=HISTORY_PAGE_SIZE,
                                offset=(page - 1) * HISTORY_PAGE_SIZE)
    return HistoryPage(
        rows=[HistoryRow(when=_local(r.occurred_at), who=f"{r.actor_name} ({r.actor_kind})", kind=r.kind,
                         summary=r.summary) for r in rows],
        page=page,
        pages=pages,
    )


def history_kinds(db: Session, *, principal: Principal, account_number: str) -> list[str]:
    account = access_account_by_number(db, principal=principal, account_number=account_number)
    kinds = db.exec(select(AccountHistory.kind).where(AccountHistory.account_id == account.id).distinct())
    return [HISTORY_KINDS_ALL, *sorted(set(kinds))]
