"""Portal users without a session: self sign-up, email verification, resend, password reset.

Every answer a visitor sees is the same whether or not an account, user or address exists;
the work done on each path (one Argon2 hash, a few queries) is kept alike so timing agrees too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.models import (
    Account, AccountMembership, AuthToken, Contact, ContactPoint, ContactType, Invoice, PortalUser, UserSession,
    utcnow,
)
from portal_app.services.core import history
from portal_app.services.identity import access_mail, auth, ratelimit, tokens
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.i18n import _
from portal_app.services.identity.passwords import check_new_password, password_problem
from portal_app.services.core.principal import Principal
from portal_app.services.core.reach import normalize_phone
from portal_app.services.identity.secrets_util import hash_password

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
NO_MATCH = _("We could not match those details to an account. Check them against your bill and try again.")
LINK_INVALID = "This link has expired or has already been used. Ask for a new one below."
RESET_SENT = (
    "If that email address belongs to a portal sign-in, we have sent it a link to reset the password. "
    "The link works for 1 hour."
)
RESEND_SENT = _(
    "If that sign-in is waiting for verification, we have sent a new verification link to its email address. "
    "The link works for 5 days."
)


class SignUpRefused(PortalError):
    pass


def as_principal(user: PortalUser) -> Principal:
    return Principal(kind="subscriber", display_name=user.username, user_id=user.id, account_id=user.account_id,
                     language=user.language or "")


def clean_email(value: str, field: str = "email") -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise FieldErrors({field: _("Enter an email address like name@example.com.")}) from None


PHONE_TO_CALL = _("Enter a phone number we can call, like 512 555 0100.")


def check_new_sign_in(raw_username: str, password: str, email: str, errors: dict[str, str]) -> str:
    """The cleaned username for a new portal sign-in; what is wrong with it or with the password is
    added to `errors` (sign-up and the shopping cart ask the same)."""
    username = ""
    try:
        username = clean_username(raw_username)
    except FieldErrors as problem:
        errors.update(problem.errors)
    problem = password_problem(password, username=raw_username, email=email)
    if problem:
        errors["password"] = problem
    return username


def clean_username(value: str) -> str:
    username = value.strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise FieldErrors(
            {"username": _("Use 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.")}
        )
    return username


def username_taken(db: Session, username: str) -> bool:
    return db.exec(select(PortalUser.id).where(PortalUser.username == username)).first() is not None


def create_unverified_user(
    db: Session, *, account: Account, username: str, email: str, password: str | None
) -> PortalUser:
    """A new portal user plus its verification email, in the caller's transaction."""
    user = PortalUser(
        account_id=account.id,
        username=username,
        email=email,
        password_hash=hash_password(password) if password else None,
    )
    db.add(user)
    db.flush()
    db.add(AccountMembership.home_of(user))
    raw = tokens.issue(db, purpose=tokens.VERIFY, user_id=user.id)
    access_mail.send_verification(db, user=user, raw_token=raw, needs_password=password is None)
    return user


# --- self sign-up ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignUpForm:
    account_number: str
    last_name: str  # residential accounts
    billing_zip: str  # business accounts
    first_name: str
    contact_last_name: str
    phone: str
    email: str
    username: str
    password: str


def _validate_sign_up(form: SignUpForm) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    if not form.account_number.strip():
        errors["account_number"] = "Enter the account number printed on your bill."
    if not form.last_name.strip() and not form.billing_zip.strip():
        errors["last_name"] = "Enter the account holder's last name (or, for a business, the billing ZIP code)."
    if not form.first_name.strip():
        errors["first_name"] = "Enter your first name."
    if not form.contact_last_name.strip():
        errors["contact_last_name"] = "Enter your last name."
    phone = ""
    if form.phone.strip():
        try:
            phone = normalize_phone(form.phone)
        except ValueError:
            errors["phone"] = PHONE_TO_CALL
    email = ""
    try:
        email = clean_email(form.email)
    except FieldErrors as problem:
        errors.update(problem.errors)
    username = check_new_sign_in(form.username, form.password, form.email, errors)
    if errors:
        raise FieldErrors(errors)
    return phone, email, username


def _matches(account: Account | None, form: SignUpForm) -> bool:
    return account_matches(account, last_name=form.last_name, billing_zip=form.billing_zip)


def account_matches(account: Account | None, *, last_name: str, billing_zip: str) -> bool:
    """Sign-up's proof of knowing the account: the holder's last name, or a business's billing ZIP."""
    if account is None or account.status == "closed":
        return False
    if account.kind == "business":
        given = re.sub(r"\D", "", billing_zip)[:5]
        return bool(given) and given == re.sub(r"\D", "", account.billing_zip)[:5]
    given = last_name.strip().casefold()
    return bool(given) and given == account.last_name.strip().casefold()


def _contact_for_sign_up(db: Session, *, account_id: int, first: str, last: str) -> Contact:
    """The person already on the account with this name, or a new contact: no duplicate people."""
    first, last = first.strip()[:80], last.strip()[:80]
    for contact in db.exec(select(Contact).where(Contact.account_id == account_id)):
        if contact.first_name.casefold() == first.casefold() and contact.last_name.casefold() == last.casefold():
            return contact
    contact = Contact(account_id=account_id, first_name=first, last_name=last)
    db.add(contact)
    db.flush()
    return contact


@dataclass(frozen=True)
class ProofChoice:
    id: int  # a ContactPoint of the account
    masked: str  # e.g. m•••@l•••.example


@dataclass(frozen=True)
class SignUpStarted:
    """The account matched: the sign-up waits for proof that its owner controls the account."""

    request: str  # raw token naming this pending sign-up (the tab keeps it sealed)
    username: str
    choices: tuple[ProofChoice, ...]
    bill_proof: bool


@dataclass(frozen=True)
class SignUpDone:
    username: str
    email: str
    verified: bool  # the proof went to the sign-in's own address: no second email needed
    awaiting_approval: bool


BILL_MISMATCH = _("That does not match your latest bill. Type its invoice number or its total exactly as printed.")


def mask_email(value: str) -> str:
    local, _at, domain = value.partition("@")
    host, dot, tld = domain.rpartition(".")
    return f"{local[:1]}•••@{host[:1]}•••{dot}{tld}" if host else f"{local[:1]}•••@{domain[:1]}•••"


def proof_choices(db: Session, account_id: int) -> tuple[ProofChoice, ...]:
    """Email addresses already on the account's contacts (phones need an SMS sender we do not have)."""
    points = db.exec(
        select(ContactPoint).where(ContactPoint.account_id == account_id, ContactPoint.kind == "email")
        .order_by(col(ContactPoint.id))
    )
    seen: set[str] = set()
    choices = []
    for point in points:
        if point.value.lower() not in seen:
            seen.add(point.value.lower())
            choices.append(ProofChoice(id=point.id, masked=mask_email(point.value)))
    return tuple(choices)


def chosen_proof_address(db: Session, *, account_id: int, choice_id: int, limit_key: str, client_ip: str) -> ContactPoint:
    """The email address picked from `proof_choices` for a proving link, counted against the resend limits
    (per account, under `limit_key`, and per client address)."""
    point = db.exec(select(ContactPoint).where(ContactPoint.id == choice_id, ContactPoint.account_id == account_id,
                                               ContactPoint.kind == "email")).first()
    if point is None:
        raise FieldErrors({"choice": _("Choose one of the addresses listed.")})
    limits = [(ratelimit.RESEND, limit_key), (ratelimit.RESEND_IP, client_ip)]
    ratelimit.check(db, limits)
    ratelimit.hit(db, limits)
    return point


def sign_up(db: Session, *, form: SignUpForm, client_ip: str = "") -> SignUpStarted:
    """Online portal setup, step 1: account number plus last name (or billing ZIP for a business).

    Every attempt counts against the limits, and whether a username exists is said only once the
    account details match. Nothing can sign in yet: the new user is held (disabled) until someone
    proves control of the account (`send_sign_up_link` + `confirm_sign_up_link`, or `prove_with_bill`).
    """
    limits = [(ratelimit.SIGN_UP, form.account_number.strip()), (ratelimit.SIGN_UP_IP, client_ip)]
    ratelimit.check(db, limits)
    ratelimit.hit(db, limits)
    phone, email, username = _validate_sign_up(form)
    account = db.exec(select(Account).where(Account.account_number == form.account_number.strip())).first()
    password_hash = hash_password(form.password)  # the same Argon2 cost on every path
    if not _matches(account, form):
        raise SignUpRefused(NO_MATCH)
    assert account is not None
    if username_taken(db, username):
        raise FieldErrors({"username": "That username is taken. Choose another."})
    user = PortalUser(account_id=account.id, username=username, email=email, password_hash=password_hash, disabled=True)
    db.add(user)
    db.flush()
    db.add(AccountMembership.home_of(user))
    details = json.dumps({"first": form.first_name.strip()[:80], "last": form.contact_last_name.strip()[:80],
                          "phone": phone})
    raw = tokens.issue(db, purpose=tokens.SIGN_UP_PENDING, user_id=user.id, payload=details)
    history.record(
        db, principal=as_principal(user), account_id=account.id, kind="access", action="sign_up_started",
        summary=f"Portal sign-up '{username}' ({email}) started; held until control of the account is proven",
        entity_type="portal_user", entity_id=user.id,
    )
    return SignUpStarted(request=raw, username=username, choices=proof_choices(db, account.id),
                         bill_proof=get_settings().signup_bill_proof)


def _pending(db: Session, request: str) -> tuple[PortalUser, AuthToken]:
    row = tokens.peek(db, purpose=tokens.SIGN_UP_PENDING, raw=request)
    user = db.get(PortalUser, row.user_id)
    if user is None or user.verified_at is not None:
        raise tokens.TokenInvalid()
    return user, row


def send_sign_up_link(db: Session, *, request: str, choice_id: int, client_ip: str = "") -> str:
    """Step 2a: mail the finishing link to the chosen address already on the account; returns it masked."""
    user, pending = _pending(db, request)
    point = chosen_proof_address(db, account_id=user.account_id, choice_id=choice_id, limit_key=f"signup:{user.account_id}",
                                 client_ip=client_ip)
    payload = json.dumps({**json.loads(pending.payload or "{}"), "point": point.id})
    raw = tokens.issue(db, purpose=tokens.SIGN_UP_PROOF, user_id=user.id, payload=payload)
    access_mail.send_sign_up_proof(db, user=user, to=point.value, raw_token=raw)
    masked = mask_email(point.value)
    history.record_access(
        db, user=user, action="sign_up_link_sent",
        summary=f"Link to finish the portal sign-up '{user.username}' sent to {masked} (on the account's contacts)")
    return masked


def bill_matches(db: Session, account_id: int, value: str) -> bool:
    latest = db.exec(select(Invoice).where(Invoice.account_id == account_id, Invoice.status != "void")
                     .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())).first()
    text = value.strip()
    if latest is None or not text:
        return False
    if text.casefold() == latest.number.casefold():
        return True
    amount = re.fullmatch(r"\$?\s*(\d{1,7})(?:\.(\d{2}))?", text.replace(",", ""))
    return bool(amount) and int(amount.group(1)) * 100 + int(amount.group(2) or 0) == latest.total_cents


def prove_with_bill(db: Session, *, request: str, value: str) -> SignUpDone:
    """Step 2b, where the provider allows it: the invoice number or total of the latest bill."""
    if not get_settings().signup_bill_proof:
        raise FieldErrors({"bill_value": "Choose an address to send the link to."})
    user, pending = _pending(db, request)
    account = db.get(Account, user.account_id)
    limits = [(ratelimit.SIGN_UP, account.account_number if account else "")]
    ratelimit.check(db, limits)
    if not bill_matches(db, user.account_id, value[:40]):
        ratelimit.hit(db, limits)
        raise FieldErrors({"bill_value": BILL_MISMATCH})
    tokens.consume(db, purpose=tokens.SIGN_UP_PENDING, raw=request)
    return _complete(db, user=user, details=json.loads(pending.payload or "{}"), proven_email=None,
                     how="a value from the latest bill")


def inspect_sign_up_link(db: Session, *, raw_token: str) -> str:
    row = tokens.peek(db, purpose=tokens.SIGN_UP_PROOF, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None or user.verified_at is not None:
        raise tokens.TokenInvalid()
    return user.username


def confirm_sign_up_link(db: Session, *, raw_token: str) -> SignUpDone:
    """Step 3 of the link path: the owner of an address on the account opened the link."""
    row = tokens.consume(db, purpose=tokens.SIGN_UP_PROOF, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None or user.verified_at is not None:
        raise tokens.TokenInvalid()
    details = json.loads(row.payload or "{}")
    point = db.get(ContactPoint, int(details.get("point", 0)))
    if point is None or point.account_id != user.account_id:
        raise tokens.TokenInvalid()
    tokens.void_all(db, purpose=tokens.SIGN_UP_PENDING, user_id=user.id)
    tokens.void_all(db, purpose=tokens.SIGN_UP_PROOF, user_id=user.id)
    return _complete(db, user=user, details=details, proven_email=point.value,
                     how=f"a link sent to {mask_email(point.value)}")


def _complete(db: Session, *, user: PortalUser, details: dict, proven_email: str | None, how: str) -> SignUpDone:
    approval = get_settings().signup_staff_approval
    user.disabled = approval
    verified = bool(proven_email) and proven_email.lower() == user.email.lower()
    if verified:
        user.verified_at = utcnow()
    else:
        raw = tokens.issue(db, purpose=tokens.VERIFY, user_id=user.id)
        access_mail.send_verification(db, user=user, raw_token=raw, needs_password=False)
    db.add(user)
    contact = _contact_for_sign_up(db, account_id=user.account_id, first=details.get("first", ""),
                                   last=details.get("last", ""))
    known = {(p.kind, p.value) for p in db.exec(select(ContactPoint).where(ContactPoint.contact_id == contact.id))}
    for kind, value in (("email", user.email), ("phone", details.get("phone", ""))):
        if value and (kind, value) not in known:
            db.add(ContactPoint(contact_id=contact.id, account_id=user.account_id, kind=kind, value=value,
                                label="Portal sign-up"))
    summary = f"{contact.first_name} {contact.last_name} set up the portal sign-in '{user.username}' ({user.email}), proven by {how}"
    summary += "; waiting for staff approval" if approval else ("" if verified else "; verification email sent")
    history.record_access(db, user=user, action="signed_up", summary=summary[:500])
    notify_new_user(db, new_user=user)
    return SignUpDone(username=user.username, email=user.email, verified=verified, awaiting_approval=approval)


def notify_new_user(db: Session, *, new_user: PortalUser) -> None:
    """Tell the account's other sign-ins and its holder (Owner contacts), each with a removal link."""
    addresses: dict[str, None] = {}
    for other in db.exec(select(PortalUser).where(PortalUser.account_id == new_user.account_id,
                                                  PortalUser.id != new_user.id, col(PortalUser.disabled).is_(False))):
        addresses[other.email.lower()] = None
    owners = db.exec(
        select(ContactPoint.value)
        .join(Contact, col(Contact.id) == ContactPoint.contact_id)
        .join(ContactType, col(ContactType.id) == Contact.contact_type_id)
        .where(ContactPoint.account_id == new_user.account_id, ContactPoint.kind == "email", ContactType.name == "Owner")
    )
    for value in owners:
        addresses[value.lower()] = None
    addresses.pop(new_user.email.lower(), None)
    for address in addresses:
        raw = tokens.issue(db, purpose=tokens.REMOVE_USER, user_id=new_user.id, payload=address[:254])
        access_mail.send_new_user_notice(db, new_user=new_user, to=address, raw_token=raw)


def inspect_removal(db: Session, *, raw_token: str) -> str:
    row = tokens.peek(db, purpose=tokens.REMOVE_USER, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None:
        raise tokens.TokenInvalid()
    return user.username


def remove_by_link(db: Session, *, raw_token: str) -> str:
    """From the notice: the new sign-in is disabled and signed out everywhere; staff can restore it."""
    row = tokens.consume(db, purpose=tokens.REMOVE_USER, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None:
        raise tokens.TokenInvalid()
    user.disabled = True
    db.add(user)
    end_sessions(db, user_id=user.id)
    history.record_access(
        db, user=user, action="portal_user_removed",
        summary=f"Portal sign-in '{user.username}' removed with the link emailed to {mask_email(row.payload)}",
        principal=Principal(kind="subscriber", display_name=row.payload or "account holder",
                            account_id=user.account_id))
    return user.username


# --- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyLink:
    username: str
    needs_password: bool


def inspect_verification(db: Session, *, raw_token: str) -> VerifyLink:
    row = tokens.peek(db, purpose=tokens.VERIFY, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None or user.disabled:
        raise tokens.TokenInvalid()
    return VerifyLink(username=user.username, needs_password=user.password_hash is None)


def verify_email(db: Session, *, raw_token: str, new_password: str | None = None) -> PortalUser:
    """Use the verification link once; a user staff created chooses a password here."""
    row = tokens.peek(db, purpose=tokens.VERIFY, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None or user.disabled:
        raise tokens.TokenInvalid()
    if user.password_hash is None:
        check_new_password(new_password or "", username=user.username, email=user.email)
    tokens.consume(db, purpose=tokens.VERIFY, raw=raw_token)
    now = utcnow()
    if user.password_hash is None:
        user.password_hash = hash_password(new_password or "")
    if user.verified_at is None:
        user.verified_at = now
    tokens.void_all(db, purpose=tokens.VERIFY, user_id=user.id, now=now)
    db.add(user)
    history.record_access(
        db, user=user, action="email_verified",
        summary=f"{user.username} verified {user.email}")
    return user


def resend_verification(db: Session, *, login: str, client_ip: str = "") -> str:
    """From the sign-in page: a fresh link for an unverified user; the same answer for anyone."""
    limits = [(ratelimit.RESEND, login.strip()), (ratelimit.RESEND_IP, client_ip)]
    ratelimit.check(db, limits)
    ratelimit.hit(db, limits)
    for user in auth.users_by_login(db, login):
        if user.verified_at is None and not user.disabled:
            raw = tokens.issue(db, purpose=tokens.VERIFY, user_id=user.id)
            access_mail.send_verification(db, user=user, raw_token=raw, needs_password=user.password_hash is None)
            history.record_access(
                db, user=user, action="verification_resent",
                summary=f"New verification email sent to {user.email} (asked at sign-in)")
    return RESEND_SENT


# --- password reset -----------------------------------------------------------------------------


def request_password_reset(db: Session, *, email: str, client_ip: str = "") -> str:
    """Don't remember your password? The same answer whether or not the address is known."""
    address = email.strip().lower()
    limits = [(ratelimit.RESET, address), (ratelimit.RESET_IP, client_ip)]
    ratelimit.check(db, limits)
    ratelimit.hit(db, limits)
    if not address:
        raise FieldErrors({"email": "Enter the email address of your portal sign-in."})
    users = db.exec(select(PortalUser).where(PortalUser.email == address).order_by(col(PortalUser.id)))
    for user in users:
        if user.disabled or user.password_hash is None:
            continue
        raw = tokens.issue(db, purpose=tokens.RESET, user_id=user.id)
        access_mail.send_reset(db, user=user, raw_token=raw)
        history.record_access(
            db, user=user, action="reset_requested",
            summary=f"Password reset link sent to {user.email}")
    return RESET_SENT


def inspect_reset(db: Session, *, raw_token: str) -> str:
    row = tokens.peek(db, purpose=tokens.RESET, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None or user.disabled:
        raise tokens.TokenInvalid()
    return user.username


def set_password(db: Session, *, user: PortalUser, new_password: str, keep_session_id: int | None = None) -> None:
    """Store a new password; reset links die and every other session of the user ends."""
    now = utcnow()
    user.password_hash = hash_password(new_password)
    user.failed_sign_ins = 0
    user.locked_until = None
    db.add(user)
    tokens.void_all(db, purpose=tokens.RESET, user_id=user.id, now=now)
    end_sessions(db, user_id=user.id, except_session_id=keep_session_id)


def end_sessions(db: Session, *, user_id: int, except_session_id: int | None = None) -> int:
    query = select(UserSession).where(UserSession.user_id == user_id, col(UserSession.revoked_at).is_(None))
    ended = 0
    for row in db.exec(query):
        if row.id != except_session_id:
            row.revoked_at = utcnow()
            db.add(row)
            ended += 1
    return ended


def reset_password(db: Session, *, raw_token: str, new_password: str, binding: str = "") -> PortalUser:
    """`binding`: the browser's pre-session cookie; that browser gets past a lock an attacker keeps up."""
    row = tokens.peek(db, purpose=tokens.RESET, raw=raw_token)
    user = db.get(PortalUser, row.user_id)
    if user is None or user.disabled:
        raise tokens.TokenInvalid()
    check_new_password(new_password, username=user.username, email=user.email)
    tokens.consume(db, purpose=tokens.RESET, raw=raw_token)
    set_password(db, user=user, new_password=new_password)
    # The link proved the real user: the lock is lifted, and this browser keeps a pass through any
    # lock an attacker's wrong guesses set again (no CAPTCHA needed).
    ratelimit.clear(db, [(ratelimit.SIGN_IN, ratelimit.user_value(user.id))])
    tokens.grant_lock_pass(db, user_id=user.id, binding=binding)
    if user.verified_at is None:
        user.verified_at = utcnow()  # the link reached the inbox, which is what verification proves
    access_mail.security_change(
        db, principal=as_principal(user), user=user, action="password_reset",
        subject=_("Your portal password was changed"),
        text=_("The password of the portal sign-in '%(username)s' was reset with an emailed link. "
               "Every device that was signed in has been signed out.", username=user.username),
        summary=f"{user.username} reset the password with an emailed link; other sessions ended")
    return user
