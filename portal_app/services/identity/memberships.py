"""Several accounts per sign-in: the accounts a sign-in holds and with what role, switching the session's
chosen account, invitations by the account holder, the people with access and their removal.

A sign-in's memberships (models/identity.py AccountMembership) are the whole truth of what it may act for:
one of its home account (full) made with it, more by an accepted invitation or by proving another account
as sign-up does. The session row keeps the chosen account, so auth.resolve_session hands every service a
principal scoped to it, with its role (checked by access.require_role)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.models import (
    Account, AccountMembership, AuthToken, ContactPoint, MemberNotificationChoice, PortalUser, UserSession, utcnow,
)
from portal_app.services.core import history
from portal_app.services.core.access import (
    FULL, MEMBER_ROLES, ROLE_LABELS, access_account, account_id_of, object_id_from, require_role,
)
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.principal import Principal
from portal_app.services.identity import access_mail, auth, ratelimit, tokens
from portal_app.services.identity.portal_users import (
    BILL_MISMATCH, NO_MATCH, ProofChoice, SignUpRefused, account_matches, bill_matches, check_new_sign_in,
    chosen_proof_address, clean_email,
    mask_email, proof_choices, username_taken,
)
from portal_app.services.identity.secrets_util import hash_password
from portal_app.services.core.i18n import _

INVITATION_INVALID = _("This invitation has expired or has already been used. Ask the account holder for a new one.")


class InvitationInvalid(PortalError):
    """Expired, used, cancelled or tampered: one answer for all of them."""

    def __init__(self) -> None:
        super().__init__(INVITATION_INVALID)


class RoleLabelled:
    """A view holding a membership `role`, with the role's label as people read it."""

    role: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class AccountChoice(RoleLabelled):
    account_id: int
    account_number: str
    name: str
    role: str


def _label(account: Account) -> str:
    return f"{account.account_number} · {account.display_name}"


def accounts_of(db: Session, *, principal: Principal) -> list[AccountChoice]:
    """Every account the signed-in sign-in holds (one query), its home account first, then by number."""
    if principal.user_id is None:
        return []
    rows = db.exec(
        select(Account, AccountMembership.role, PortalUser.account_id)
        .join(AccountMembership, col(AccountMembership.account_id) == Account.id)
        .join(PortalUser, col(PortalUser.id) == AccountMembership.user_id)
        .where(AccountMembership.user_id == principal.user_id)
        .order_by(col(Account.account_number))
    ).all()
    choices = [(home != account.id, AccountChoice(account.id, account.account_number, account.display_name, role))
               for account, role, home in rows]
    return [choice for _, choice in sorted(choices, key=lambda pair: pair[0])]


def _membership(db: Session, user_id: int, account_id: int) -> AccountMembership | None:
    return db.exec(select(AccountMembership).where(AccountMembership.user_id == user_id,
                                                   AccountMembership.account_id == account_id)).first()


def switch_account(db: Session, *, principal: Principal, account_id: object) -> AccountChoice:
    """Make another held account the session's chosen one; the history of both accounts says so.
    An account the sign-in does not hold is simply not found."""
    wanted = object_id_from(account_id, "account")
    membership = _membership(db, principal.user_id or 0, wanted) if principal.session_id else None
    account = db.get(Account, wanted) if membership is not None else None
    if membership is None or account is None:
        raise NotFound("account")
    previous = account_id_of(principal)
    db.execute(update(UserSession).where(col(UserSession.id) == principal.session_id,
                                         col(UserSession.user_id) == principal.user_id).values(account_id=wanted))
    user = db.get(PortalUser, principal.user_id)
    who = user.username if user else principal.display_name
    if previous != wanted:
        old = db.get(Account, previous)
        history.record(db, principal=principal, account_id=previous, kind="access", action="account_switched_away",
                       summary=f"{who} switched from this account to another account they hold",
                       entity_type="portal_user", entity_id=principal.user_id)
        history.record(db, principal=principal, account_id=wanted, kind="access", action="account_switched_to",
                       summary=f"{who} switched to this account" + (f" from {old.account_number}" if old else ""),
                       entity_type="portal_user", entity_id=principal.user_id)
    return AccountChoice(account.id, account.account_number, account.display_name, membership.role)


# --- the people with access ---------------------------------------------------------------------


@dataclass(frozen=True)
class Member(RoleLabelled):
    membership_id: int
    username: str
    email: str  # masked
    role: str
    added_at: datetime
    added_by: str
    is_you: bool


def memberships_of(db: Session, account_id: int) -> list[tuple[AccountMembership, str, str]]:
    """(membership, username, email) of everyone whose enabled sign-in holds the account, oldest first (the
    People page, and staff on the account page)."""
    return list(db.exec(
        select(AccountMembership, PortalUser.username, PortalUser.email)
        .join(PortalUser, col(PortalUser.id) == AccountMembership.user_id)
        .where(AccountMembership.account_id == account_id, col(PortalUser.disabled).is_(False))
        .order_by(col(AccountMembership.added_at), col(AccountMembership.id))
    ).all())


def members(db: Session, *, principal: Principal) -> list[Member]:
    """Who can use the chosen account (the account holder's view: full role only)."""
    require_role(principal, FULL)
    return [Member(m.id, username, mask_email(email), m.role, m.added_at, m.added_by, m.user_id == principal.user_id)
            for m, username, email in memberships_of(db, account_id_of(principal))]


def remove_member(db: Session, *, principal: Principal, membership_id: object) -> str:
    """The account holder takes someone's access away: their sessions on this account end (at their next
    event: the session no longer resolves) and the history says who removed whom."""
    require_role(principal, FULL)
    mine = account_id_of(principal)
    membership = db.exec(select(AccountMembership).where(
        AccountMembership.id == object_id_from(membership_id, "person"), AccountMembership.account_id == mine)).first()
    if membership is None:
        raise NotFound("person")
    if membership.user_id == principal.user_id:
        raise FieldErrors({"form": _("You cannot remove your own access here.")})
    user = db.get(PortalUser, membership.user_id)
    username = user.username if user else "a sign-in"
    db.delete(membership)
    db.execute(delete(MemberNotificationChoice).where(col(MemberNotificationChoice.user_id) == membership.user_id,
                                                      col(MemberNotificationChoice.account_id) == mine))
    home = user.account_id if user else None
    on_this_account = col(UserSession.account_id) == mine
    if home == mine:  # a session that never switched acts for the sign-in's home account
        on_this_account = or_(on_this_account, col(UserSession.account_id).is_(None))
    db.execute(update(UserSession).where(col(UserSession.user_id) == membership.user_id,
                                         col(UserSession.revoked_at).is_(None), on_this_account)
               .values(revoked_at=utcnow()))
    history.record(db, principal=principal, account_id=mine, kind="access", action="member_removed",
                   summary=f"Access of '{username}' ({ROLE_LABELS.get(membership.role, membership.role)}) removed",
                   entity_type="portal_user", entity_id=membership.user_id)
    return username


# --- invitations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingInvitation(RoleLabelled):
    invitation_id: int
    email: str
    role: str
    expires_at: datetime


def _payload(account_id: int, role: str, email: str) -> str:
    return f"{account_id}|{role}|{email}"


def _parse(payload: str) -> tuple[int, str, str]:
    account_id, role, email = (payload or "").split("|", 2)
    if role not in MEMBER_ROLES:
        raise ValueError(role)
    return int(account_id), role, email


def invite(db: Session, *, principal: Principal, email: str, role: str) -> str:
    """The account holder invites someone by email with a role: a 7-day, single-use link (only its hash is
    kept), mailed through the notification service; the history keeps who invited whom."""
    require_role(principal, FULL)
    errors: dict[str, str] = {}
    address = ""
    try:
        address = clean_email(str(email)[:254], "invite_email")
    except FieldErrors as problem:
        errors.update(problem.errors)
    if role not in MEMBER_ROLES:
        errors["invite_role"] = _("Choose what they may do: full access, billing only or view only.")
    if errors:
        raise FieldErrors(errors)
    account = access_account(db, principal)
    raw = tokens.issue(db, purpose=tokens.INVITE, user_id=principal.user_id or 0,
                       payload=_payload(account.id, role, address))
    access_mail.send_invitation(db, account_id=account.id, to=address, inviter=principal_name(db, principal),
                                account_label=_label(account), role_label=ROLE_LABELS[role], raw_token=raw)
    history.record(db, principal=principal, account_id=account.id, kind="access", action="member_invited",
                   summary=f"{mask_email(address)} invited ({ROLE_LABELS[role]}); the link works for 7 days",
                   entity_type="portal_user", entity_id=principal.user_id)
    return _("Invitation sent to %(address)s. The link works once and for 7 days.", address=address)


def principal_name(db: Session, principal: Principal) -> str:
    user = db.get(PortalUser, principal.user_id) if principal.user_id else None
    return user.username if user else principal.display_name


def invitations_of(db: Session, account_id: int) -> list[PendingInvitation]:
    """Invitations to the account not yet accepted, cancelled or expired."""
    rows = db.exec(select(AuthToken).where(
        AuthToken.purpose == tokens.INVITE, col(AuthToken.used_at).is_(None), AuthToken.expires_at > utcnow(),
        col(AuthToken.payload).startswith(f"{account_id}|")).order_by(col(AuthToken.id)))
    found = []
    for row in rows:
        invited_to, role, email = _parse(row.payload)
        if invited_to == account_id:
            found.append(PendingInvitation(row.id or 0, email, role, row.expires_at))
    return found


def pending_invitations(db: Session, *, principal: Principal) -> list[PendingInvitation]:
    """Invitations of the chosen account not yet accepted, cancelled or expired."""
    require_role(principal, FULL)
    return invitations_of(db, account_id_of(principal))


def withdraw_invitation(db: Session, *, principal: Principal, account_id: int, invitation_id: object) -> str:
    """Spend a pending invitation of the account so its link no longer works, with a history entry saying who
    did it (the holder cancelling, or staff revoking); returns the invited address. Another account's
    invitation, or one no longer pending, is not found."""
    wanted = object_id_from(invitation_id, "invitation")
    match = [i for i in invitations_of(db, account_id) if i.invitation_id == wanted]
    if not match:
        raise NotFound("invitation")
    db.execute(update(AuthToken).where(col(AuthToken.id) == wanted, col(AuthToken.used_at).is_(None))
               .values(used_at=utcnow()))
    by_staff = principal.kind == "staff"
    history.record(db, principal=principal, account_id=account_id, kind="access",
                   action="invitation_revoked" if by_staff else "invitation_cancelled",
                   summary=f"Invitation of {mask_email(match[0].email)} ({match[0].role_label}) "
                           + (f"revoked by {principal.display_name} (staff)" if by_staff else "cancelled"))
    return match[0].email


def cancel_invitation(db: Session, *, principal: Principal, invitation_id: object) -> None:
    require_role(principal, FULL)
    withdraw_invitation(db, principal=principal, account_id=account_id_of(principal), invitation_id=invitation_id)


@dataclass(frozen=True)
class InvitationView(RoleLabelled):
    account_label: str
    role: str
    email: str
    invited_by: str


def _invitation(db: Session, row: AuthToken) -> tuple[Account, str, str, PortalUser | None]:
    try:
        account_id, role, email = _parse(row.payload)
    except ValueError:
        raise InvitationInvalid() from None
    account = db.get(Account, account_id)
    if account is None:
        raise InvitationInvalid()
    return account, role, email, db.get(PortalUser, row.user_id)


def inspect_invitation(db: Session, *, raw_token: str) -> InvitationView:
    """What an invitation link offers (without using it up)."""
    try:
        row = tokens.peek(db, purpose=tokens.INVITE, raw=raw_token)
    except tokens.TokenInvalid:
        raise InvitationInvalid() from None
    account, role, email, inviter = _invitation(db, row)
    return InvitationView(_label(account), role, email, inviter.username if inviter else "The account holder")


def invitation_for_browser(db: Session, *, raw_token: str, session_token: str | None) -> tuple[InvitationView, str]:
    """What an invitation offers, and the username signed in on the browser that opened it (or "")."""
    view = inspect_invitation(db, raw_token=raw_token)
    try:
        who = principal_name(db, auth.resolve_session(db, token=session_token))
    except auth.SessionInvalid:
        who = ""
    return view, who


def _consume(db: Session, raw_token: str) -> tuple[Account, str, str, PortalUser | None]:
    try:
        row = tokens.consume(db, purpose=tokens.INVITE, raw=raw_token)
    except tokens.TokenInvalid:
        raise InvitationInvalid() from None
    return _invitation(db, row)


def _grant(db: Session, *, user: PortalUser, account: Account, role: str, inviter: PortalUser | None,
           actor: Principal) -> AccountMembership:
    membership = _membership(db, user.id or 0, account.id or 0)
    by = f"invitation from {inviter.username}" if inviter else "invitation"
    if membership is None:
        membership = AccountMembership(user_id=user.id, account_id=account.id, role=role, added_by=by[:120])
    elif MEMBER_ROLES.index(role) < MEMBER_ROLES.index(membership.role):  # never lowers what they had
        membership.role = role
    db.add(membership)
    db.flush()
    history.record(db, principal=actor, account_id=account.id, kind="access", action="member_added",
                   summary=f"'{user.username}' accepted the {by} ({ROLE_LABELS[membership.role]})",
                   entity_type="portal_user", entity_id=user.id)
    return membership


def accept_invitation(db: Session, *, principal: Principal, raw_token: str) -> AccountChoice:
    """The signed-in invitee accepts: the account is added to their sign-in and becomes the session's chosen
    account. The link works once."""
    if principal.kind != "subscriber" or principal.user_id is None:
        raise NotFound("sign-in")
    account, role, _email, inviter = _consume(db, raw_token)
    user = db.get(PortalUser, principal.user_id)
    if user is None:
        raise NotFound("sign-in")
    _grant(db, user=user, account=account, role=role, inviter=inviter, actor=principal)
    return switch_account(db, principal=principal, account_id=account.id)


def create_sign_in_from_invitation(db: Session, *, raw_token: str, username: str, password: str) -> str:
    """An invitee without a sign-in makes one: its email is the invited address (the link proved it is
    theirs), it is created for the inviting account with the invitation's role only. Returns the username."""
    errors: dict[str, str] = {}
    view = inspect_invitation(db, raw_token=raw_token)
    clean = check_new_sign_in(username, password, view.email, errors)
    if clean and username_taken(db, clean):
        errors["username"] = _("That username is taken. Choose another.")
    if errors:
        raise FieldErrors(errors)
    account, role, email, inviter = _consume(db, raw_token)
    user = PortalUser(account_id=account.id, username=clean, email=email, password_hash=hash_password(password),
                      verified_at=utcnow())
    db.add(user)
    db.flush()
    actor = Principal(kind="subscriber", display_name=clean, user_id=user.id, account_id=account.id, role=role)
    _grant(db, user=user, account=account, role=role, inviter=inviter, actor=actor)
    return clean


# --- adding an account the signed-in person holds, with sign-up's proof ----------------------------------


@dataclass(frozen=True)
class AddStarted:
    """The account matched: it is added once control of it is proven (a link to an address on it, or the
    latest bill where the provider allows that)."""

    request: str  # raw token naming this request (the tab keeps it sealed)
    account_number: str
    choices: tuple[ProofChoice, ...]
    bill_proof: bool


def start_adding_account(db: Session, *, principal: Principal, account_number: str, last_name: str,
                         billing_zip: str, client_ip: str = "") -> AddStarted:
    """Step 1, as sign-up's: the account number plus the holder's last name (or a business's billing ZIP),
    under sign-up's rate limits and with its one answer for every kind of miss."""
    if principal.kind != "subscriber" or principal.user_id is None:
        raise NotFound("sign-in")
    number = str(account_number).strip()[:32]
    errors: dict[str, str] = {}
    if not number:
        errors["account_number"] = _("Enter the account number printed on the bill.")
    if not str(last_name).strip() and not str(billing_zip).strip():
        errors["last_name"] = _("Enter the account holder's last name (or, for a business, the billing ZIP code).")
    if errors:
        raise FieldErrors(errors)
    limits = [(ratelimit.SIGN_UP, number), (ratelimit.SIGN_UP_IP, client_ip)]
    ratelimit.check(db, limits)
    ratelimit.hit(db, limits)
    account = db.exec(select(Account).where(Account.account_number == number)).first()
    if not account_matches(account, last_name=str(last_name)[:80], billing_zip=str(billing_zip)[:16]):
        raise SignUpRefused(NO_MATCH)
    assert account is not None
    if _membership(db, principal.user_id, account.id or 0) is not None:
        raise FieldErrors({"account_number": _("Your sign-in already has this account: choose it in the header.")})
    raw = tokens.issue(db, purpose=tokens.ADD_PENDING, user_id=principal.user_id, payload=str(account.id))
    history.record(db, principal=principal, account_id=account.id, kind="access", action="add_account_started",
                   summary=f"'{principal_name(db, principal)}' asked to add this account to their sign-in; held "
                           "until control of the account is proven", entity_type="portal_user",
                   entity_id=principal.user_id)
    return AddStarted(request=raw, account_number=account.account_number, choices=proof_choices(db, account.id),
                      bill_proof=get_settings().signup_bill_proof)


def _pending_add(db: Session, principal: Principal, request: str) -> tuple[Account, AuthToken]:
    row = tokens.peek(db, purpose=tokens.ADD_PENDING, raw=request)
    account = db.get(Account, int(row.payload)) if row.payload.isdigit() else None
    if account is None or row.user_id != principal.user_id:
        raise tokens.TokenInvalid()
    return account, row


def send_add_account_link(db: Session, *, principal: Principal, request: str, choice_id: object,
                          client_ip: str = "") -> str:
    """Step 2a: mail the adding link to the chosen address already on the account; returns it masked."""
    account, _proof = _pending_add(db, principal, request)
    point = chosen_proof_address(db, account_id=account.id, choice_id=object_id_from(choice_id, "address"),
                                 limit_key=f"add:{account.id}", client_ip=client_ip)
    user = db.get(PortalUser, principal.user_id)
    raw = tokens.issue(db, purpose=tokens.ADD_PROOF, user_id=principal.user_id or 0, payload=f"{account.id}|{point.id}")
    access_mail.send_add_account_proof(db, account_id=account.id, user=user, to=point.value,
                                       account_label=_label(account), raw_token=raw)
    masked = mask_email(point.value)
    history.record(db, principal=principal, account_id=account.id, kind="access", action="add_account_link_sent",
                   summary=f"Link to add this account to the sign-in '{user.username}' sent to {masked}")
    return masked


def _add_full(db: Session, *, user: PortalUser, account: Account, how: str) -> AccountMembership:
    membership = _membership(db, user.id or 0, account.id or 0) or AccountMembership(
        user_id=user.id, account_id=account.id, added_by="proof of the account")
    membership.role = FULL
    db.add(membership)
    tokens.void_all(db, purpose=tokens.ADD_PENDING, user_id=user.id)
    tokens.void_all(db, purpose=tokens.ADD_PROOF, user_id=user.id)
    actor = Principal(kind="subscriber", display_name=user.username, user_id=user.id, account_id=account.id)
    history.record(db, principal=actor, account_id=account.id, kind="access", action="member_added",
                   summary=f"The sign-in '{user.username}' added this account (Full access), proven by {how}",
                   entity_type="portal_user", entity_id=user.id)
    return membership


def add_account_with_bill(db: Session, *, principal: Principal, request: str, value: str) -> AccountChoice:
    """Step 2b, where the provider allows it: the invoice number or total of the account's latest bill."""
    if not get_settings().signup_bill_proof:
        raise FieldErrors({"bill_value": _("Choose an address to send the link to.")})
    account, _proof = _pending_add(db, principal, request)
    limits = [(ratelimit.SIGN_UP, account.account_number)]
    ratelimit.check(db, limits)
    if not bill_matches(db, account.id or 0, str(value)[:40]):
        ratelimit.hit(db, limits)
        raise FieldErrors({"bill_value": BILL_MISMATCH})
    tokens.consume(db, purpose=tokens.ADD_PENDING, raw=request)
    user = db.get(PortalUser, principal.user_id)
    _add_full(db, user=user, account=account, how="a value from the latest bill")
    return AccountChoice(account.id, account.account_number, account.display_name, FULL)


def confirm_add_account_link(db: Session, *, raw_token: str) -> str:
    """Step 3 of the link path: whoever reads an address on the account opened the link; returns the account
    number added. The sign-in chooses it in the header."""
    row = tokens.consume(db, purpose=tokens.ADD_PROOF, raw=raw_token)
    account_id, _bar, point_id = (row.payload or "").partition("|")
    account = db.get(Account, int(account_id)) if account_id.isdigit() else None
    point = db.get(ContactPoint, int(point_id)) if point_id.isdigit() else None
    user = db.get(PortalUser, row.user_id)
    if account is None or point is None or point.account_id != account.id or user is None or user.disabled:
        raise tokens.TokenInvalid()
    _add_full(db, user=user, account=account, how=f"a link sent to {mask_email(point.value)}")
    return account.account_number
