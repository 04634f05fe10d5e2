"""The one access layer: every owned thing is found only within the principal's account, and
an id a client made up (text, zero, negative, beyond a BIGINT, a boolean) is the same not-found."""

from __future__ import annotations

import pytest
from factories import make_subscriber
from sqlmodel import Session

from portal_app.models import Ticket, utcnow
from portal_app.services.core import access
from portal_app.services.core.errors import NotFound


def _ticket(db: Session, account_id: int) -> Ticket:
    now = utcnow()
    ticket = Ticket(account_id=account_id, number=f"TKT-A{account_id}", subject="Slow", opened_at=now, updated_at=now)
    db.add(ticket)
    db.flush()
    return ticket


@pytest.mark.parametrize("raw", ["abc", "", None, 0, -1, "-5", 2**63, 10**30, "1e3", True, 1.5j])
def test_an_id_that_cannot_be_one_is_not_found(db: Session, raw: object) -> None:
    me = make_subscriber(db)
    with pytest.raises(NotFound):
        access.access_ticket(db, me.principal, raw)


def test_mine_is_found_and_theirs_is_the_same_not_found_as_missing(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    mine, theirs = _ticket(db, me.account.id), _ticket(db, them.account.id)
    assert access.access_ticket(db, me.principal, str(mine.id)).id == mine.id
    with pytest.raises(NotFound) as other:
        access.access_ticket(db, me.principal, theirs.id)
    with pytest.raises(NotFound) as missing:
        access.access_ticket(db, me.principal, theirs.id + 1000)
    assert str(other.value) == str(missing.value)
