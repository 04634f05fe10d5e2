"""The staff audit log: every change a staff member makes (who, what, when, from where)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal_app.models import StaffAuditEntry, UserSession
from portal_app.services.core.access import ADMIN, require_staff
from portal_app.services.core.principal import Principal


def record(db: Session, *, principal: Principal, action: str, target: str = "", detail: str = "",
           client_ip: str = "") -> StaffAuditEntry:
    """Write one entry in the caller's transaction; the address is the one the session signed in from
    (or `client_ip`, for a sign-in that has no session yet)."""
    if not client_ip and principal.session_id is not None:
        session = db.get(UserSession, principal.session_id)
        client_ip = session.client_ip if session is not None else ""
    entry = StaffAuditEntry(
        staff_user_id=principal.staff_user_id if principal.kind == "staff" else None,
        actor_name=principal.display_name[:120], action=action[:60], target=target[:120], detail=detail[:1000],
        client_ip=client_ip[:64] or ("command line" if principal.kind == "system" else ""),
    )
    db.add(entry)
    return entry


@dataclass(frozen=True)
class AuditRow:
    occurred_at: datetime
    actor_name: str
    action: str
    target: str
    detail: str
    client_ip: str


def entries(db: Session, *, principal: Principal, actor: str = "", action: str = "", text: str = "",
            limit: int = 200) -> list[AuditRow]:
    """Newest first, filtered by who (name contains), what (action prefix) and free text (admins only)."""
    require_staff(principal, role=ADMIN, what="audit log")
    query = select(StaffAuditEntry)
    if actor.strip():
        query = query.where(col(StaffAuditEntry.actor_name).ilike(f"%{actor.strip()}%"))
    if action.strip():
        query = query.where(col(StaffAuditEntry.action).startswith(action.strip()))
    if text.strip():
        needle = f"%{text.strip()}%"
        query = query.where(col(StaffAuditEntry.detail).ilike(needle) | col(StaffAuditEntry.target).ilike(needle))
    query = query.order_by(col(StaffAuditEntry.occurred_at).desc(), col(StaffAuditEntry.id).desc()).limit(limit)
    return [AuditRow(occurred_at=e.occurred_at, actor_name=e.actor_name, action=e.action, target=e.target,
                     detail=e.detail, client_ip=e.client_ip) for e in db.exec(query)]


def action_groups(db: Session, *, principal: Principal) -> list[str]:
    """The distinct action families present (the part before the dot), for the filter."""
    require_staff(principal, role=ADMIN, what="audit log")
    actions = db.exec(select(StaffAuditEntry.action).distinct()).all()
    return sorted({a.split(".")[0] for a in actions})
