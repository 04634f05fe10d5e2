"""Roles on an account (full, billing only, view only) through the one guard in services/core/access.py.

Two tables, each held to the code by a scan so that a new write cannot be added without a row here:
- every subscriber service that calls `require_role`, with the role it needs; each is called with a
  principal of each lower role and must refuse before it does anything;
- every subscriber event handler that resolves the session, with the role it declares (`needs=`); each
  one that changes the account is run as a real tab of a view-only (and, for full, a billing-only)
  sign-in and must show the refusal and write nothing.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import typing
from pathlib import Path

import pytest
from factories import make_account, make_subscriber
from sqlmodel import Session, func, select
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

import portal_app.portal_app  # noqa: F401  (registers every page and state)
from portal_app.models import AccountHistory, AccountMembership
from portal_app.services.billing import autopay, hosted_payments, payments, promises
from portal_app.services.core.access import BILLING, FULL, VIEW
from portal_app.services.core.errors import Forbidden
from portal_app.services.core.principal import Principal
from portal_app.services.identity import auth, memberships
from portal_app.services.notify import preferences
from portal_app.services.orders import contracts, holds, package_change
from portal_app.services.selfservice import contacts, scheduling, tickets
from portal_app.state.session import SessionState
from portal_app.state.tab_guard import _portal_state_classes

SERVICES = Path(__file__).resolve().parents[2] / "portal_app" / "services"

SERVICE_ROLES = {
    autopay.set_up: BILLING, autopay.change_method: BILLING, autopay.remove: BILLING, autopay.remove_method: BILLING,
    hosted_payments.start_checkout: BILLING, hosted_payments.start_setup: BILLING, payments.pay: BILLING,
    promises.make_promise: BILLING,
    contacts.add_contact: FULL, contacts.update_contact: FULL, contacts.update_point: FULL,
    contacts.delete_contact: FULL, contacts.delete_point: FULL,
    holds.request_hold: FULL, holds.cancel_request: FULL, holds.end_early: FULL,
    preferences.save_preferences: FULL, preferences.send_code: FULL, preferences.confirm_code: FULL,
    preferences.remove_phone: FULL,
    package_change.place_package_change: FULL, contracts.sign_contract: FULL,
    scheduling.book: FULL, scheduling.reschedule: FULL, scheduling.cancel: FULL,
    tickets.open_ticket: FULL, tickets.add_reply: FULL,
    memberships.invite: FULL, memberships.members: FULL, memberships.remove_member: FULL,
    memberships.pending_invitations: FULL, memberships.cancel_invitation: FULL,
}

# Every subscriber handler that resolves the session: None reads (or changes only the viewer's own sign-in:
# password, email, two-factor; or the page's own view), else the role it needs on the chosen account.
HANDLER_ROLES = {
    "AutoPayState.load": None, "AutoPayState.toggle_history": None, "AutoPayState.confirm_forget": BILLING,
    "AutoPayState.save_edit": BILLING, "AutoPayState.add_recurring": BILLING, "AutoPayState.add_new_method": BILLING,
    "AutoPayState.confirm_remove": BILLING,
    "CalendarState.load": None, "CalendarState.change_month": None, "CalendarState.toggle_kind": None,
    "CalendarState.reset_kinds": None,
    "ContactsState.load": None, "ContactsState.submit": FULL, "ContactsState.confirm_delete": FULL,
    "HoldState.load": None, "HoldState.preview": FULL, "HoldState.request": FULL, "HoldState.cancel": FULL,
    "HoldState.end_early": FULL,
    "HomeState.load": None, "HomeState.promise": BILLING,
    "NotificationsState.load": None, "NotificationsState.save": None, "NotificationsState.send_code": FULL,
    "NotificationsState.confirm_code": FULL, "NotificationsState.remove_phone": FULL,
    "OrdersState.load": None,
    "PackageChangeState.load": None, "PackageChangeState.proceed": FULL, "PackageChangeState.place": FULL,
    "PaymentState.load": None, "PaymentState.submit": BILLING,
    "PeopleState.load": None, "PeopleState.invite": FULL, "PeopleState.confirm_remove": FULL,
    "PeopleState.cancel_invitation": FULL, "PeopleState.start_add": None, "PeopleState.send_add_link": None,
    "PeopleState.add_with_bill": None,
    "SchedulingState.load": None, "SchedulingState.pick_day": None, "SchedulingState.submit": FULL,
    "SchedulingState.start_reschedule": FULL, "SchedulingState.stop_reschedule": None,
    "SchedulingState.confirm_cancel": FULL, "SchedulingReminderState.later": None,
    "SecurityState.load": None,
    "ServicesState.load": None, "ContractState.load": None, "ContractState.sign": FULL,
    "ContractReminderState.dismiss": None,
    "InvoicesState.load": None, "InvoicesState.go_to": None, "InvoicesState.explain": None, "PaymentsListState.load": None,
    "PaymentsListState.go_to": None,
    "TicketsState.load": None, "TicketsState.submit": FULL, "TicketDetailState.load": None,
    "TicketDetailState.reply": FULL,
}
# A form a handler checks on the event loop before it reaches the session (so the role check is reached).
FORMS = {"PaymentState.submit": {"amount": "10.00", "method": "new_card", "card_number": "4242424242424242",
                                 "expiry": "12/35", "cvc": "123", "zip": "78701", "name": "A B"}}


def _dummy(annotation: object) -> object:
    text = str(annotation)
    if "dict" in text:
        return {}
    if "bool" in text:
        return True
    if "int" in text and "str" not in text:
        return 1
    return "1"


def _call_service(verb, db: Session, principal: Principal) -> None:
    hints = typing.get_type_hints(verb)
    params = inspect.signature(verb).parameters
    kwargs = {name: _dummy(hints.get(name, str)) for name, p in params.items()
              if p.kind is p.KEYWORD_ONLY and p.default is p.empty and name not in ("db", "principal")}
    try:
        verb(db, principal=principal, **kwargs)
    finally:
        db.rollback()


def _principal(db: Session, role: str) -> Principal:
    me = make_subscriber(db)
    db.commit()
    return Principal(kind="subscriber", display_name="Member", user_id=me.user.id, account_id=me.account.id,
                     role=role)


@pytest.mark.parametrize("verb", list(SERVICE_ROLES), ids=lambda v: f"{v.__module__.rsplit('.', 1)[1]}.{v.__name__}")
def test_each_subscriber_write_refuses_a_lower_role(db: Session, verb) -> None:
    needed = SERVICE_ROLES[verb]
    lower = [VIEW] if needed == BILLING else [VIEW, BILLING]
    for role in lower:
        with pytest.raises(Forbidden):
            _call_service(verb, db, _principal(db, role))
    try:
        _call_service(verb, db, _principal(db, needed))
    except Forbidden as refusal:
        pytest.fail(f"{verb.__name__} refused the {needed} role: {refusal}")
    except Exception:  # noqa: BLE001 - the dummy arguments name nothing real: past the guard is enough
        pass


def _role_guarded_functions() -> set[str]:
    found: set[str] = set()
    for path in SERVICES.rglob("*.py"):
        if path.name in ("access.py", "__init__.py"):
            continue
        tree = ast.parse(path.read_text())
        for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")):
            called = {c.func.id if isinstance(c.func, ast.Name) else getattr(c.func, "attr", "")
                      for c in ast.walk(fn) if isinstance(c, ast.Call)}
            if "require_role" in called:
                found.add(f"{path.stem}.{fn.name}")
    return found


def test_the_service_table_names_every_role_guarded_service() -> None:
    named = {f"{v.__module__.rsplit('.', 1)[1]}.{v.__name__}" for v in SERVICE_ROLES}
    assert _role_guarded_functions() == named


def _subscriber_handlers() -> dict[str, object]:
    found = {}
    for cls in _portal_state_classes():
        if not issubclass(cls, SessionState) or cls is SessionState:
            continue
        for name, handler in cls.event_handlers.items():
            if getattr(handler.fn, "resolves_session", False) and not name.startswith("_"):
                found[f"{cls.__name__}.{name}"] = handler
    return found


def test_every_subscriber_handler_that_resolves_the_session_is_in_the_table_with_its_declared_role() -> None:
    handlers = _subscriber_handlers()
    assert set(handlers) == set(HANDLER_ROLES)
    declared = {name: getattr(h.fn, "needs_role", None) for name, h in handlers.items()}
    assert declared == HANDLER_ROLES


def _run(handler, state, *args) -> None:
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):
        async def drain() -> None:
            async for _ in result:
                pass
        asyncio.run(drain())
    elif inspect.iscoroutine(result):
        asyncio.run(result)


WRITES = sorted(name for name, role in HANDLER_ROLES.items() if role is not None)


@pytest.mark.parametrize("name", WRITES)
def test_a_lower_role_is_refused_by_each_write_handler_and_nothing_is_written(app_db: str, db: Session,  # noqa: F811
                                                                              name: str) -> None:
    handler = _subscriber_handlers()[name]
    needed = HANDLER_ROLES[name]
    holder = make_subscriber(db)
    for role in ([VIEW] if needed == BILLING else [VIEW, BILLING]):
        member = make_subscriber(db)
        db.add(AccountMembership(user_id=member.user.id, account_id=holder.account.id, role=role, added_by="test"))
        db.commit()
        cookie = signed_in_cookie(db, member)
        memberships.switch_account(db, principal=auth.resolve_session(db, token=cookie.split("=")[-1]),
                                   account_id=holder.account.id)
        db.commit()
        before = db.exec(select(func.count()).select_from(AccountHistory)).one()
        state = page_state(handler.state, "/", cookie=cookie)
        params = [p for p in inspect.signature(handler.fn).parameters.values()][1:]
        hints = typing.get_type_hints(handler.fn)
        args = [FORMS.get(name, _dummy(hints.get(p.name, str))) for p in params]
        _run(handler, state, *args)
        assert "access to this account" in state.refused, f"{name} as {role}: {state.refused!r}"
        assert db.exec(select(func.count()).select_from(AccountHistory)).one() == before
