"""Live updates, the producer's side: a service notes whose pages a change affects ("account 7: order",
"areas 2 and 3: outage"); once the transaction commits, one message per kind goes out
(portal_app/integrations/live.py) and the subscribers' open tabs on those accounts read their page again.
A transaction that rolls back announces nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from portal_app.integrations import live as transport

KINDS = ("order", "ticket", "payment", "outage")
_PENDING = "live_changes"


def account_changed(db: OrmSession, *, account_id: int, kind: str) -> None:
    """Tabs signed in to this account see the change (on the pages that show `kind`) after the commit."""
    if kind not in KINDS:
        raise ValueError(f"unknown live update kind: {kind}")
    _pending(db).setdefault((kind, "accounts"), set()).add(int(account_id))


def areas_changed(db: OrmSession, *, area_ids: list[int] | None, kind: str) -> None:
    """Tabs of accounts in these service areas (None: every area) see the change after the commit."""
    if kind not in KINDS:
        raise ValueError(f"unknown live update kind: {kind}")
    if area_ids is None:
        _pending(db)[(kind, "all")] = {True}
    else:
        _pending(db).setdefault((kind, "areas"), set()).update(int(a) for a in area_ids)


def _pending(db: OrmSession) -> dict[tuple[str, str], set]:
    return db.info.setdefault(_PENDING, {})


def messages(pending: dict[tuple[str, str], set]) -> list[dict[str, Any]]:
    """The messages for what a transaction noted: one per kind and scope."""
    found = []
    for (kind, scope), ids in sorted(pending.items()):
        found.append({"kind": kind, "all": True} if scope == "all" else {"kind": kind, scope: sorted(ids)})
    return found


@event.listens_for(OrmSession, "after_commit")
def _after_commit(db: OrmSession) -> None:
    pending = db.info.pop(_PENDING, None)
    if pending:
        transport.publish(messages(pending))


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(db: OrmSession) -> None:
    db.info.pop(_PENDING, None)
