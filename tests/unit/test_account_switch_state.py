"""The header's switch, as a tab runs it: the session row changes, the tab's whole state is reset (nothing of
the old account stays), the page loads again for the new account and live updates follow it."""

from __future__ import annotations

import asyncio
import dataclasses

from factories import call, make_account, make_invoice, make_subscriber
from sqlmodel import Session
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

import portal_app.pages  # noqa: F401  (registers every page and its loaders)
from portal_app.models import AccountMembership
from portal_app.state import live
from portal_app.state.statements import InvoicesState


def _tab(db: Session, cookie: str, token: str) -> InvoicesState:
    state = page_state(InvoicesState, "/invoices", cookie=cookie)
    root = state._get_root_state()
    root.router = dataclasses.replace(root.router, session=dataclasses.replace(root.router.session, client_token=token))
    return state


def _switch(tab: InvoicesState, account_id: object):
    return asyncio.run(type(tab.parent_state).switch_account.fn(tab.parent_state, account_id))


def test_switching_reloads_the_page_for_the_new_account_and_moves_live_updates(app_db: str, db: Session) -> None:  # noqa: F811
    me = make_subscriber(db)
    make_invoice(db, me.account, 1111)
    other = make_account(db, first_name="Other", last_name="Place")
    make_invoice(db, other, 9999)
    db.add(AccountMembership(user_id=me.user.id, account_id=other.id, role="view", added_by="test"))
    db.commit()
    cookie = signed_in_cookie(db, me)
    tab = _tab(db, cookie, "tab-switch")
    try:
        call(InvoicesState.load, tab)
        session = tab.parent_state
        assert [i["amount"] for i in tab.invoices] == ["$11.11"]
        assert {a["id"] for a in session.accounts} == {str(me.account.id), str(other.id)}
        assert session.role == "full" and live._tabs["tab-switch"].account_id == me.account.id

        stranger = make_subscriber(db)
        db.commit()
        _switch(tab, str(stranger.account.id))  # not held: nothing changes
        assert tab.invoices and session.account_id == str(me.account.id)

        answer = _switch(tab, str(other.id))
        assert answer  # the current page's loader again (or a reload where live updates are not installed)
        assert tab.invoices == [] and session.accounts == [] and "tab-switch" not in live._tabs  # all reset
        call(InvoicesState.load, tab)
        assert [i["amount"] for i in tab.invoices] == ["$99.99"]
        assert session.role == "view" and session.account_id == str(other.id)
        assert live._tabs["tab-switch"].account_id == other.id
    finally:
        live._tabs.pop("tab-switch", None)
