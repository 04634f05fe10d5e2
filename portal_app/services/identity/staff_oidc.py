"""Staff sign-in with the provider's identity provider (OpenID Connect): the pending sign-in, and the
staff member an identity provider's verified answer names.

A sign-in starts with a random state, nonce and PKCE code verifier kept in an AuthToken row (only the
state's hash is a key; 10 minutes; bound to the browser's pre-session cookie; used once), so any
worker can finish it. The route between the two calls exchanges the code and verifies the ID token
(integrations/oidc.py). No staff account is ever created here: admins invite staff, and only an
enabled staff member whose email the identity provider has verified, on the allowed domain, gets in.

Two-factor: a sign-in through the identity provider is the provider's own authentication (its
password and whatever second factor its policy demands), so the portal's staff TOTP code, which
protects the portal's own password, is not asked for again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from portal_app.models import AuthToken, StaffUser, utcnow
from portal_app.services.core.errors import SignInFailed
from portal_app.services.identity import ratelimit
from portal_app.services.identity.auth import ticket_binding
from portal_app.services.identity.secrets_util import hash_token, tokens_equal
from portal_app.services.identity.staff_auth import issue_staff_ticket, staff_principal
from portal_app.services.staff import staff_audit

PURPOSE = "staff_oidc"
LIFETIME = timedelta(minutes=10)
MAX_NEXT = 200  # a longer "next" path is not kept (the sign-in lands on /staff)

# Why an identity-provider sign-in did not go through, in words for the staff sign-in page
# ({label}: the button's provider name, {domain}: the allowed email domain).
MESSAGES = {
    "off": "Sign-in with an identity provider is not set up here. Use your staff username and password.",
    "cookie": "Your browser did not keep our sign-in cookie. Reload the page, then try SIGN IN WITH {label} again.",
    "unreachable": "We could not reach {label} to sign you in. Try again in a few minutes, or use your staff "
                   "username and password.",
    "denied": "{label} did not sign you in. Try again.",
    "state": "That sign-in with {label} took too long or was already used. Please start again.",
    "token": "We could not verify {label}'s answer, so you are not signed in. Please start again; if it keeps "
             "happening, tell your administrator.",
    "unverified": "{label} has not verified your email address, so it cannot sign you in here.",
    "domain": "Only @{domain} addresses can sign in with {label}.",
    "unknown": "There is no active staff account for your {label} address. An admin invites staff under Staff "
               "users; ask one to add you.",
    "limited": "Too many sign-ins from here in a short time. Please wait a few minutes and try again.",
    "ambiguous": "More than one staff account uses your {label} address. Ask an admin to give each its own address.",
}


class OidcSignInRefused(SignInFailed):
    """A sign-in through the identity provider did not go through; `reason` is a key of MESSAGES."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def message(reason: str, *, label: str, domain: str) -> str:
    return MESSAGES.get(reason, MESSAGES["token"]).format(label=label, domain=domain)


@dataclass(frozen=True)
class PendingSignIn:
    nonce: str
    code_verifier: str
    next_path: str


def begin(db: Session, *, state: str, nonce: str, code_verifier: str, next_path: str, binding: str,
          client_ip: str = "") -> None:
    """Keep a new sign-in's secrets until the identity provider sends the browser back (in the caller's
    transaction). `binding` is the browser's pre-session cookie: only that browser can finish it."""
    if not binding:
        raise OidcSignInRefused("cookie")
    try:
        ratelimit.check(db, [(ratelimit.STAFF_OIDC_IP, client_ip)])
    except ratelimit.RateLimited as limited:
        raise OidcSignInRefused("limited") from limited
    ratelimit.hit(db, [(ratelimit.STAFF_OIDC_IP, client_ip)])
    payload = {"browser": ticket_binding(binding), "nonce": nonce, "verifier": code_verifier,
               "next": next_path if len(next_path) <= MAX_NEXT else "/staff"}
    db.add(AuthToken(purpose=PURPOSE, token_hash=hash_token(state), payload=json.dumps(payload),
                     expires_at=utcnow() + LIFETIME))


def claim(db: Session, *, state: str, binding: str, now: datetime | None = None) -> PendingSignIn:
    """The sign-in this state started, used up: once, unexpired, in the browser that started it."""
    now = now or utcnow()
    row = db.exec(select(AuthToken).where(AuthToken.token_hash == hash_token(state or ""),
                                          AuthToken.purpose == PURPOSE)).first() if state and len(state) < 200 else None
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise OidcSignInRefused("state")
    pending = json.loads(row.payload)
    if not binding or not tokens_equal(pending["browser"], ticket_binding(binding)):
        raise OidcSignInRefused("state")
    # Conditional update: of two callbacks carrying the same state, one gets the row.
    claimed = db.execute(update(AuthToken).where(col(AuthToken.id) == row.id, col(AuthToken.used_at).is_(None))
                         .values(used_at=now))
    if claimed.rowcount != 1:
        raise OidcSignInRefused("state")
    return PendingSignIn(nonce=pending["nonce"], code_verifier=pending["verifier"], next_path=pending["next"])


def sign_in(db: Session, *, claims: dict, allowed_domain: str, label: str, client_ip: str = "",
            binding: str = "") -> str:
    """The staff member a verified ID token names; returns the one-time ticket the password sign-in
    also ends with (the same cookie hand-off follows) and writes the sign-in to the staff audit log."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise OidcSignInRefused("unverified")
    email = email.strip().lower()
    if claims.get("email_verified") not in (True, "true"):  # some providers send the string
        raise OidcSignInRefused("unverified")
    if email.rsplit("@", 1)[1] != allowed_domain.lower():
        raise OidcSignInRefused("domain")
    staff = db.exec(select(StaffUser).where(func.lower(StaffUser.email) == email,
                                            col(StaffUser.disabled).is_(False))).all()
    if not staff:
        raise OidcSignInRefused("unknown")
    if len(staff) > 1:
        raise OidcSignInRefused("ambiguous")
    [member] = staff
    ticket = issue_staff_ticket(db, member, binding=binding)
    staff_audit.record(db, principal=staff_principal(member), action="staff.sign_in_oidc", target=member.username,
                       detail=f"Signed in with {label} as {email} (subject {str(claims.get('sub', ''))[:80]})",
                       client_ip=client_ip)
    return ticket
