"""Staff admin pages through their handlers: one load per page, the session checked on every event,
refusals and field errors shown without writing anything, a change ending with the page as it stands."""

from __future__ import annotations

import sqlalchemy as sa
from factories import call, make_subscriber
from sqlmodel import Session, select
from test_access_states import _staff_cookie
from test_states import app_db, page_state, signed_in_cookie, spec_args  # noqa: F401  (app_db is a fixture)

from portal_app.models import ApiKey, OutboxMail, ProviderSettings, StaffUser, WebhookEndpoint, utcnow
from portal_app.services.identity import staff_auth
from portal_app.state.staff_api_keys import StaffApiKeysState
from portal_app.state.staff_audit import StaffAuditState
from portal_app.state.staff_catalogue import StaffCatalogueState
from portal_app.state.staff_mail import StaffMailState
from portal_app.state.staff_settings import StaffSettingsState
from portal_app.state.staff_users import StaffUsersState
from portal_app.state.staff_webhooks import StaffWebhooksState

ADMIN_PAGES = [(StaffApiKeysState, "/staff/api-keys", "rows"), (StaffWebhooksState, "/staff/webhooks", "endpoints"),
               (StaffUsersState, "/staff/users", "rows"), (StaffSettingsState, "/staff/settings", "values"),
               (StaffAuditState, "/staff/audit", "rows"), (StaffCatalogueState, "/staff/catalogue", "packages")]


def _admin_cookie(db: Session) -> str:
    cookie = _staff_cookie(db)
    db.execute(sa.update(StaffUser).where(StaffUser.username == "agent").values(role="admin"))
    db.commit()
    return cookie


def test_an_agent_gets_the_refusal_on_every_admin_page_and_changes_nothing(app_db: str, db: Session) -> None:
    cookie = _staff_cookie(db)  # an agent
    for cls, path, shown in ADMIN_PAGES:
        state = page_state(cls, path, cookie=cookie)
        call(cls.load, state)
        assert state.refused == "Only an admin can do that." and not getattr(state, shown), cls.__name__
    keys = page_state(StaffApiKeysState, "/staff/api-keys", cookie=cookie)
    call(StaffApiKeysState.create, keys, {"name": "Billing", "scope": "write"})
    assert keys.refused and keys.new_key == "" and db.exec(select(ApiKey)).first() is None
    hooks = page_state(StaffWebhooksState, "/staff/webhooks", cookie=cookie)
    call(StaffWebhooksState.add, hooks, {"url": "https://billing.example/hook"})
    assert hooks.refused and hooks.new_secret == "" and db.exec(select(WebhookEndpoint)).first() is None


def test_an_api_key_is_shown_once_and_a_bad_id_is_a_not_found(app_db: str, db: Session) -> None:
    state = page_state(StaffApiKeysState, "/staff/api-keys", cookie=_admin_cookie(db))
    call(StaffApiKeysState.load, state)
    assert state.rows == [] and state.refused == ""
    call(StaffApiKeysState.create, state, {"name": "", "scope": "write"})
    assert state.errors == {"name": "Name the key after the system that uses it."} and state.new_key == ""
    call(StaffApiKeysState.create, state, {"name": "Billing system", "scope": "write"})
    assert state.errors == {} and state.new_key.startswith(state.rows[0]["prefix"])
    assert state.notice.startswith("Copy the key now")
    call(StaffApiKeysState.load, state)
    assert state.new_key == "" and state.notice == ""  # gone once the page is opened again
    call(StaffApiKeysState.revoke, state, "not-a-number")  # as a modified client might send
    assert state.notice == "That API key could not be found." and state.rows[0]["revoked"] == ""
    call(StaffApiKeysState.revoke, state, state.rows[0]["id"])
    assert state.rows[0]["revoked"] == "yes" and state.notice.startswith("Revoked")


def test_a_field_error_writes_nothing_and_the_next_change_clears_it(app_db: str, db: Session) -> None:
    cookie = _admin_cookie(db)
    settings = page_state(StaffSettingsState, "/staff/settings", cookie=cookie)
    call(StaffSettingsState.load, settings)
    form = dict(settings.values)
    call(StaffSettingsState.save, settings, {**form, "min_payment_cents": "abc", "allow_ticket_creation": "off"})
    assert set(settings.errors) == {"min_payment_cents"} and settings.notice == ""
    assert (db.exec(select(ProviderSettings)).first() or ProviderSettings()).allow_ticket_creation is True
    call(StaffSettingsState.save, settings, {**form, "allow_ticket_creation": "off"})
    assert settings.errors == {} and settings.notice.startswith("Saved.")
    assert settings.values["allow_ticket_creation"] == "off" and "Subscribers can open tickets" in settings.changes[0]["what"]

    users = page_state(StaffUsersState, "/staff/users", cookie=cookie)
    call(StaffUsersState.load, users)
    assert [r["me"] for r in users.rows] == ["yes"]
    call(StaffUsersState.invite, users, {"full_name": "Pat", "email": "not-an-email", "role": "agent"})
    assert "email" in users.errors and len(db.exec(select(StaffUser)).all()) == 1
    call(StaffUsersState.invite, users, {"full_name": "Pat Lee", "email": "Pat@Provider.Example", "role": "agent"})
    assert users.errors == {} and users.notice.startswith("Invitation sent to pat@provider.example")
    assert [r["email"] for r in users.rows if r["me"] == ""] == ["pat@provider.example"]


def test_a_message_delivered_meanwhile_is_said_so_over_the_list_as_it_stands(app_db: str, db: Session) -> None:
    mail = OutboxMail(to_address="ada@mail.example", subject="Your bill", body_text="b", attempts=3,
                      last_error="550 mailbox unavailable")
    db.add(mail)
    db.commit()
    state = page_state(StaffMailState, "/staff/mail", cookie=_staff_cookie(db))
    call(StaffMailState.load, state)
    assert [r["subject"] for r in state.rows] == ["Your bill"]
    mail.sent_at = utcnow()  # the delivery job got it out after all
    db.add(mail)
    db.commit()
    call(StaffMailState.retry, state, str(mail.id))
    assert state.notice == "That message is no longer waiting to be sent." and state.rows == []


def test_every_staff_event_sends_an_ended_session_to_staff_sign_in(app_db: str, db: Session) -> None:
    me = make_subscriber(db)
    for cookie in ("", signed_in_cookie(db, me), f"{staff_auth.STAFF_COOKIE}=forged"):
        state = page_state(StaffApiKeysState, "/staff/api-keys", cookie=cookie)
        for handler, args in ((StaffApiKeysState.load, ()), (StaffApiKeysState.revoke, ("1",)),
                              (StaffApiKeysState.create, ({"name": "x", "scope": "read"},))):
            assert spec_args(call(handler, state, *args))["path"].startswith("/staff/signin?next=%2Fstaff%2Fapi-keys")
        assert state.staff_signed_in is False and state.rows == []
    assert db.exec(select(ApiKey)).first() is None
