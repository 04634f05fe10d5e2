"""Writes the append-only account history; every mutating service calls `record`."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.models import Account, AccountHistory, PortalUser
from portal_app.services.operations import webhooks
from portal_app.services.staff import staff_audit
from portal_app.services.core.principal import Principal


def record(
    db: Session,
    *,
    principal: Principal,
    account_id: int,
    kind: str,
    action: str,
    summary: str,
    entity_type: str = "",
    entity_id: int | None = None,
    webhook_data: dict | None = None,
) -> AccountHistory:
    """One history entry; what subscribers do (and the account's service status, whoever changes it) is
    also announced to the provider's webhooks, with `webhook_data` in the event."""
    entry = AccountHistory(
        account_id=account_id,
        actor_kind=principal.kind,
        actor_name=principal.display_name,
        kind=kind,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        summary=summary,
    )
    db.add(entry)
    # No flush here: callers may still adjust the entry before it is written (it is append-only after).
    with db.no_autoflush:
        if principal.kind == "subscriber" or webhooks.announced_for_anyone(kind, action):
            webhooks.emit(db, entry, data=webhook_data)
        if principal.kind == "staff":  # a staff change to an account is also in the staff audit log
            account = db.get(Account, account_id)
            staff_audit.record(db, principal=principal, action=f"account.{kind}.{action}"[:60],
                               target=f"account {account.account_number}" if account else "", detail=summary)
    return entry


def record_access(db: Session, *, user: PortalUser, action: str, summary: str,
                  principal: Principal | None = None) -> AccountHistory:
    """A sign-in event of a portal user (signed in, changed the password...), done by that user unless
    `principal` says who."""
    actor = principal or Principal(kind="subscriber", display_name=user.username, user_id=user.id,
                                   account_id=user.account_id)
    return record(db, principal=actor, account_id=user.account_id, kind="access", action=action, summary=summary,
                  entity_type="portal_user", entity_id=user.id)


def list_history(db: Session, *, account_id: int, kind: str | None = None, limit: int = 200,
                 offset: int = 0) -> list[AccountHistory]:
    """Newest first; `offset` and `limit` give one page."""
    query = select(AccountHistory).where(AccountHistory.account_id == account_id)
    if kind:
        query = query.where(AccountHistory.kind == kind)
    query = query.order_by(col(AccountHistory.occurred_at).desc(), col(AccountHistory.id).desc())
    return list(db.exec(query.offset(max(0, offset)).limit(limit)))


def count_history(db: Session, *, account_id: int, kind: str | None = None) -> int:
    query = select(func.count()).select_from(AccountHistory).where(AccountHistory.account_id == account_id)
    if kind:
        query = query.where(AccountHistory.kind == kind)
    return int(db.exec(query).one())
