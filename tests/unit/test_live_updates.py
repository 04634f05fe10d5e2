"""Live updates: producers announce "account X changed: kind" only once their transaction commits; a
worker pushes the current page's loader (or the banners' refresh) to ITS tabs of those accounts or
areas, never to another account's tab or a staff tab; tabs register on page load and drop on reset."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from factories import call, make_payment, make_subscriber
from sqlmodel import Session
from test_access_states import _staff_cookie
from test_services_orders import DIAMOND, _staff, _workflow
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

import portal_app.pages  # noqa: F401  (registers every page and its loaders)
from portal_app.components.shell import PAGE_LOADERS
from portal_app.integrations import live as transport
from portal_app.models import ServiceArea, Ticket, utcnow
from portal_app.services.billing import payments
from portal_app.services.core import live as changes
from portal_app.services.notify import outages
from portal_app.services.orders import orders
from portal_app.services.selfservice import tickets
from portal_app.state import live
from portal_app.state.orders import OrdersState
from portal_app.state.session import SessionState
from portal_app.state.staff_orders import StaffOrdersState
from portal_app.state.tab_guard import reset_tab


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict]]:
    """What this process announces (no Redis in the tests: the in-process path)."""
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    seen: list[dict] = []
    transport.listen_locally(seen.append)
    yield seen
    transport._listeners.remove(seen.append)


@pytest.fixture(autouse=True)
def no_tabs() -> Iterator[None]:
    live.configure(page_loaders=PAGE_LOADERS, banner_refresh=SessionState.require_subscriber)
    live._tabs.clear()
    yield
    live._tabs.clear()


# --- producers ---------------------------------------------------------------------------------


def test_a_change_is_announced_after_its_commit_and_never_after_a_rollback(db: Session, published) -> None:
    me, staff = make_subscriber(db), _staff(db)
    _, tasks = _workflow(db, me.account.id, *DIAMOND)
    db.commit()
    published.clear()
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="start")
    assert published == []  # not before the commit
    db.rollback()
    assert published == []
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="complete")
    db.commit()
    assert published == [{"kind": "order", "accounts": [me.account.id]}]
    db.commit()
    assert len(published) == 1  # announced once


def test_ticket_notes_payments_and_outages_are_announced_to_whom_they_concern(db: Session, published) -> None:
    me, other = make_subscriber(db), make_subscriber(db)
    admin = _staff(db)
    now = utcnow()
    ticket = Ticket(account_id=me.account.id, number=f"T-{me.account.id}", subject="Slow", opened_at=now, updated_at=now)
    db.add(ticket)
    db.commit()
    published.clear()
    tickets.staff_add_note(db, principal=admin, ticket_id=ticket.id, body="Private.", public=False)
    db.commit()
    assert published == []  # a private note shows nowhere the subscriber looks
    tickets.staff_add_note(db, principal=admin, ticket_id=ticket.id, body="Fixed.", public=True)
    db.commit()
    assert published == [{"kind": "ticket", "accounts": [me.account.id]}]

    published.clear()
    payment = make_payment(db, other.account, 5_000, status="pending")
    db.commit()
    assert payments.settle(db, payment=payment, status="succeeded")
    db.commit()
    assert published == [{"kind": "payment", "accounts": [other.account.id]}]

    published.clear()
    north, south = ServiceArea(name="North"), ServiceArea(name="South")
    db.add_all([north, south])
    db.commit()
    start = dt.datetime.now(ZoneInfo("America/Chicago")).strftime("%Y-%m-%dT%H:%M")
    notice, _ = outages.post_notice(db, principal=admin, kind="outage", title="Fiber cut", details="", starts_at=start,
                                    expected_end="", area_ids=[north.id], all_areas=False)
    db.commit()
    assert published == [{"kind": "outage", "areas": [north.id]}]
    outages.post_notice(db, principal=admin, kind="maintenance", title="Upgrade", details="", starts_at=start,
                        expected_end="", area_ids=[], all_areas=True)
    db.commit()
    assert published[-1] == {"kind": "outage", "all": True}
    outages.restore(db, principal=admin, notice_id=notice.id)
    db.commit()
    assert published[-1] == {"kind": "outage", "areas": [north.id]}


def test_only_known_kinds_are_announced(db: Session) -> None:
    with pytest.raises(ValueError):
        changes.account_changed(db, account_id=1, kind="everything")


# --- the worker's tabs -------------------------------------------------------------------------


class _Namespace:
    """The parts of Reflex's event namespace live.py uses: which tabs this worker holds, and the push."""

    def __init__(self, here: set[str]) -> None:
        self.pushed: list[tuple[str, list[str]]] = []
        self._token_manager = SimpleNamespace(
            instance_id="me", token_to_socket={t: SimpleNamespace(instance_id="me", sid=f"sid-{t}") for t in here})

    async def emit_update(self, update, token: str) -> None:
        self.pushed.append((token, [event.name for event in update.events]))


def _name(handler) -> str:
    from reflex.event import Event

    return Event.from_event_type([handler])[0].name


def _deliver(namespace: _Namespace, message: dict, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(live, "_app", SimpleNamespace(event_namespace=namespace))
    return asyncio.run(live.deliver(message))


def test_a_message_reaches_only_the_tabs_of_its_accounts_and_areas(monkeypatch: pytest.MonkeyPatch) -> None:
    live._tabs.update({
        "mine-orders": live.Tab(account_id=1, area_id=10, route="/orders"),
        "mine-contacts": live.Tab(account_id=1, area_id=10, route="/contacts"),
        "theirs-orders": live.Tab(account_id=2, area_id=20, route="/orders"),
        "neighbour-home": live.Tab(account_id=3, area_id=10, route="/"),
        "gone": live.Tab(account_id=1, area_id=10, route="/orders"),
    })
    namespace = _Namespace(here={"mine-orders", "mine-contacts", "theirs-orders", "neighbour-home"})
    assert _deliver(namespace, {"kind": "order", "accounts": [1]}, monkeypatch) == 1
    assert namespace.pushed == [("mine-orders", [_name(h) for h in PAGE_LOADERS["/orders"]])]
    assert "gone" not in live._tabs  # its socket is not on this worker any more: dropped

    namespace.pushed.clear()
    _deliver(namespace, {"kind": "outage", "areas": [10]}, monkeypatch)
    banner = _name(SessionState.require_subscriber)
    assert sorted(namespace.pushed) == [("mine-contacts", [banner]), ("mine-orders", [banner]),
                                        ("neighbour-home", [banner])]  # area 20 sees nothing

    namespace.pushed.clear()
    _deliver(namespace, {"kind": "outage", "all": True}, monkeypatch)
    assert {token for token, _ in namespace.pushed} == {"mine-orders", "mine-contacts", "theirs-orders", "neighbour-home"}

    namespace.pushed.clear()
    _deliver(namespace, {"kind": "payment", "accounts": [3]}, monkeypatch)
    assert namespace.pushed == [("neighbour-home", [_name(h) for h in PAGE_LOADERS["/"]])]


def test_pages_that_show_a_kind_run_their_own_loader() -> None:
    assert live.events_for("order", "/orders") == PAGE_LOADERS["/orders"]
    assert live.events_for("ticket", "/ticket") == PAGE_LOADERS["/ticket"]
    assert live.events_for("payment", "/payments") == PAGE_LOADERS["/payments"]
    assert live.events_for("payment", "/pay") == []  # a half-typed payment form is never reloaded under the payer
    assert live.events_for("outage", "/pay") == [SessionState.require_subscriber]


def _with_token(state, token: str):
    root = state._get_root_state()
    root.router = dataclasses.replace(root.router, session=dataclasses.replace(root.router.session, client_token=token))
    return state


def test_a_subscribers_page_load_registers_the_tab_and_a_reset_or_staff_tab_does_not(app_db: str, db: Session) -> None:  # noqa: F811
    area = ServiceArea(name="Lakeside")
    db.add(area)
    db.commit()
    me = make_subscriber(db, service_area_id=area.id)
    db.commit()
    tab = _with_token(page_state(OrdersState, "/orders", cookie=signed_in_cookie(db, me)), "tab-1")
    call(OrdersState.load, tab)
    assert live._tabs["tab-1"] == live.Tab(account_id=me.account.id, area_id=area.id, route="/orders")
    asyncio.run(reset_tab(tab))  # sign-out, an ended session, another sign-in in this tab
    assert "tab-1" not in live._tabs

    staff = _with_token(page_state(StaffOrdersState, f"/staff/orders?number={me.account.account_number}",
                                   cookie=_staff_cookie(db)), "tab-staff")
    call(StaffOrdersState.load, staff)
    assert staff.found and live._tabs == {}

    nobody = _with_token(page_state(OrdersState, "/orders"), "tab-2")
    call(OrdersState.load, nobody)
    assert live._tabs == {}
