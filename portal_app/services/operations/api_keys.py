"""Integration API keys: created and revoked by admins, stored hashed, scoped read or write,
rate-limited per key (in the database, so every worker counts together)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from portal_app.models import ApiKey, utcnow
from portal_app.services.identity import ratelimit
from portal_app.services.staff import staff_audit
from portal_app.services.core.access import ADMIN, require_staff, row_or_not_found
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.principal import Principal
from portal_app.services.identity.secrets_util import hash_token

SCOPES = ("read", "write")
REQUESTS = ratelimit.Rule("api-key", 120, timedelta(minutes=1), timedelta(seconds=30), timedelta(minutes=5))


class KeyRefused(PortalError):
    """Unknown, revoked or under-scoped key: the API answers 401 or 403."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class NewKey:
    id: int
    token: str  # shown once


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    prefix: str
    scope: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def create_key(db: Session, *, principal: Principal, name: str, scope: str) -> NewKey:
    require_staff(principal, role=ADMIN, what="API key")
    clean = " ".join(str(name).split())[:80]
    errors = {}
    if not clean:
        errors["name"] = "Name the key after the system that uses it."
    if scope not in SCOPES:
        errors["scope"] = "Choose read or write."
    if errors:
        raise FieldErrors(errors)
    prefix = secrets.token_hex(4)
    token = f"pk_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=clean, prefix=prefix, key_hash=hash_token(token), scope=scope, created_by=principal.display_name)
    db.add(key)
    db.flush()
    staff_audit.record(db, principal=principal, action="api_key.create", target=f"{clean} (pk_{prefix})", detail=scope)
    return NewKey(id=key.id, token=token)


def revoke_key(db: Session, *, principal: Principal, key_id: int) -> None:
    require_staff(principal, role=ADMIN, what="API key")
    key = row_or_not_found(db, ApiKey, key_id, "API key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.add(key)
        staff_audit.record(db, principal=principal, action="api_key.revoke", target=f"{key.name} (pk_{key.prefix})")


def list_keys(db: Session, *, principal: Principal) -> list[KeyRow]:
    require_staff(principal, role=ADMIN, what="API key")
    return [KeyRow(id=k.id, name=k.name, prefix=f"pk_{k.prefix}", scope=k.scope, created_by=k.created_by,
                   created_at=k.created_at, last_used_at=k.last_used_at, revoked=k.revoked_at is not None)
            for k in db.exec(select(ApiKey).order_by(col(ApiKey.revoked_at).is_not(None), col(ApiKey.id).desc()))]


def authenticate(db: Session, *, token: str, needs: str) -> Principal:
    """The principal an API request acts as; KeyRefused (401/403) or ratelimit.RateLimited (429)."""
    key = db.exec(select(ApiKey).where(ApiKey.key_hash == hash_token(token or ""))).first() if token else None
    if key is None or key.revoked_at is not None:
        raise KeyRefused("Unknown or revoked API key.", 401)
    limits = [(REQUESTS, f"key:{key.id}")]
    ratelimit.check(db, limits)
    ratelimit.hit(db, limits)
    if needs == "write" and key.scope != "write":
        raise KeyRefused("This key may only read.", 403)
    key.last_used_at = utcnow()
    db.add(key)
    return Principal.system(f"API key {key.name} (pk_{key.prefix})")
