"""'Order step done' and 'contract to sign' go through the notification service: in the cause's
transaction, once per cause, on the channels the account chose; staff send contracts from the account's
Orders and contracts page."""

from __future__ import annotations

import pytest
from factories import call, make_subscriber
from sqlmodel import Session, select
from test_access_states import _staff_cookie
from test_services_orders import DIAMOND, _staff, _workflow
from test_states import app_db, load_home, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

from portal_app.models import AccountHistory, Contract, Notification, OutboxMail
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.notify import preferences
from portal_app.services.orders import contracts, orders
from portal_app.state.services import ContractReminderState
from portal_app.state.staff_orders import StaffOrdersState

TEXT = "SERVICE AGREEMENT\n\n1. We connect you.\n\n2. You pay monthly."


def _sent(db: Session, account_id: int) -> list[tuple[str, str, str]]:
    rows = db.exec(select(Notification).where(Notification.account_id == account_id).order_by(Notification.id))
    return [(n.event, n.channel, n.dedupe_key or "") for n in rows]


def _mail(db: Session, account_id: int) -> list[OutboxMail]:
    return list(db.exec(select(OutboxMail).where(OutboxMail.account_id == account_id).order_by(OutboxMail.id)))


# --- order step done ---------------------------------------------------------------------------


def test_a_tracked_step_completed_by_staff_tells_the_subscriber_once_with_what_comes_next(db: Session) -> None:
    me, staff = make_subscriber(db), _staff(db)
    _, tasks = _workflow(db, me.account.id, *DIAMOND)
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="complete")
    db.commit()
    assert _sent(db, me.account.id) == [("order_step", "email", f"order_step:{tasks['ship'].id}")]
    [mail] = _mail(db, me.account.id)
    assert mail.subject == "P ship: done"
    assert 'your order "Install": P ship' in mail.body_text and "Next: P schedule." in mail.body_text
    assert "/orders" in mail.body_text and "Order Tracking" in mail.body_html

    # The step runs again and is completed again: the subscriber already knows, nothing new is sent.
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="start")
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="complete")
    db.commit()
    assert len(_sent(db, me.account.id)) == 1


def test_only_completed_tracked_steps_are_told_and_the_last_says_the_order_is_complete(db: Session) -> None:
    me, staff = make_subscriber(db), _staff(db)
    _, tasks = _workflow(db, me.account.id, *DIAMOND)
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["schedule"].id, action="start")
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["qa"].id, action="complete")
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="skip")
    db.commit()
    assert _sent(db, me.account.id) == []  # started, internal (not tracked) and skipped steps say nothing
    for name in ("schedule", "visit"):
        orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks[name].id, action="complete")
    db.commit()
    assert [key for _, _, key in _sent(db, me.account.id)] == [f"order_step:{tasks['schedule'].id}",
                                                               f"order_step:{tasks['visit'].id}"]
    last = _mail(db, me.account.id)[-1]
    assert last.subject == "Your order is complete: Install" and "The order is complete." in last.body_text


def test_a_refused_or_rolled_back_step_sends_nothing(db: Session) -> None:
    me, staff = make_subscriber(db), _staff(db)
    _, tasks = _workflow(db, me.account.id, *DIAMOND)
    db.commit()
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="complete")
    db.rollback()  # the staff change failed after the notice was written: the notice goes with it
    assert _sent(db, me.account.id) == [] and _mail(db, me.account.id) == []
    with pytest.raises(PortalError):
        orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["order"].id, action="complete")
    assert _sent(db, me.account.id) == []


def test_order_progress_follows_the_accounts_choice(db: Session) -> None:
    me, staff = make_subscriber(db), _staff(db)
    rows = {row.key: row for row in preferences.preferences(db, principal=me.principal).rows}
    assert (rows["order_step"].email, rows["order_step"].sms, rows["order_step"].email_required) == (True, False, False)
    assert (rows["contract"].email, rows["contract"].sms, rows["contract"].email_required) == (True, False, False)
    choices = {key: (row.email, row.sms) for key, row in rows.items()} | {"order_step": (False, False)}
    preferences.save_preferences(db, principal=me.principal, choices=choices, paperless=True, quiet_hours=True,
                                 quiet_start="21:00", quiet_end="08:00")
    _, tasks = _workflow(db, me.account.id, *DIAMOND)
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="complete")
    db.commit()
    assert _sent(db, me.account.id) == []


# --- contract to sign --------------------------------------------------------------------------


def test_staff_send_a_contract_the_subscriber_is_told_and_it_waits_for_the_signature(db: Session) -> None:
    me, other, staff = make_subscriber(db), make_subscriber(db), _staff(db)
    row = contracts.send_contract(db, principal=staff, account_id=me.account.id, title="  Fiber  agreement ",
                                  body_text=TEXT)
    db.commit()
    assert (row.title, row.status, row.body_text) == ("Fiber agreement", "pending", TEXT)
    assert _sent(db, me.account.id) == [("contract", "email", f"contract:{row.id}")]
    [mail] = _mail(db, me.account.id)
    assert mail.subject == "A contract to sign: Fiber agreement"
    assert f"/contract?id={row.id}" in mail.body_text and f"/contract?id={row.id}" in mail.body_html
    history = db.exec(select(AccountHistory).where(AccountHistory.account_id == me.account.id,
                                                   AccountHistory.kind == "contract")).one()
    assert (history.action, history.summary) == ("sent", "Contract sent to sign: Fiber agreement")
    assert contracts.pending_contract(db, principal=me.principal).id == row.id
    assert contracts.pending_contract(db, principal=other.principal) is None and _sent(db, other.account.id) == []


def test_sending_a_contract_checks_who_and_what(db: Session) -> None:
    me, staff = make_subscriber(db), _staff(db)
    with pytest.raises(NotFound):  # a subscriber is no staff member
        contracts.send_contract(db, principal=me.principal, account_id=me.account.id, title="X", body_text=TEXT)
    with pytest.raises(FieldErrors) as refused:
        contracts.send_contract(db, principal=staff, account_id=me.account.id, title=" ", body_text="short")
    assert set(refused.value.errors) == {"title", "body_text"}
    with pytest.raises(NotFound):
        contracts.send_contract(db, principal=staff, account_id=10**9, title="Agreement", body_text=TEXT)
    db.commit()
    assert db.exec(select(Contract)).all() == [] and _sent(db, me.account.id) == []


def test_staff_orders_page_sends_a_contract_that_the_subscribers_home_then_offers(app_db: str, db: Session) -> None:  # noqa: F811
    me = make_subscriber(db)
    db.commit()
    staff = page_state(StaffOrdersState, f"/staff/orders?number={me.account.account_number}", cookie=_staff_cookie(db))
    call(StaffOrdersState.load, staff)
    call(StaffOrdersState.send_contract, staff, {"title": "", "body_text": TEXT})
    assert staff.errors.get("title") and staff.contracts == []
    call(StaffOrdersState.send_contract, staff, {"title": "Fiber agreement", "body_text": TEXT})
    assert [c["title"] for c in staff.contracts] == ["Fiber agreement"] and "they were told" in staff.notice
    db.expire_all()
    [row] = db.exec(select(Contract).where(Contract.account_id == me.account.id)).all()
    assert _sent(db, me.account.id) == [("contract", "email", f"contract:{row.id}")]
    home = page_state(ContractReminderState, "/", cookie=signed_in_cookie(db, me))
    load_home(home)
    assert home.contract_open and home.contract_href == f"/contract?id={row.id}"
