"""Staff's text-message outbox (/staff/texts): each text's status, the failures with their reason, and
Send again for a failed notification (never a code, never a number that replied STOP), like /staff/mail."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import call, make_subscriber
from sqlmodel import Session, select
from test_access_states import _staff_cookie
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

from portal_app.models import AccountHistory, Notification, NotificationSettings, OutboxSms, utcnow
from portal_app.services.core.errors import NotFound, PortalError, StaffOnly
from portal_app.services.core.principal import Principal
from portal_app.services.notify import log, sms_outbox
from portal_app.state.staff_mail import StaffTextsState

STAFF = Principal(kind="staff", display_name="Sam Staff", staff_user_id=1, staff_role="agent")
PHONE = "+15125550123"


def _text(db: Session, account_id: int | None, *, attempts: int = 0, error: str = "", sent: bool = False,
          purpose: str = "notification", event: str | None = "outage") -> OutboxSms:
    row = OutboxSms(account_id=account_id, to_number=PHONE, body="Lumen: outage where you are.", purpose=purpose,
                    attempts=attempts, last_error=error, sent_at=utcnow() if sent else None)
    db.add(row)
    db.flush()
    if event and account_id is not None:
        db.add(Notification(account_id=account_id, event=event, channel="sms", dedupe_key=f"k{row.id}",
                            to_address=PHONE, subject=row.body, outbox_sms_id=row.id))
    db.flush()
    return row


def _texting(db: Session, account_id: int, **fields) -> None:
    db.add(NotificationSettings(account_id=account_id, sms_phone=PHONE, sms_verified_at=utcnow(), **fields))
    db.flush()


def test_staff_see_failed_texts_by_default_and_every_text_when_asked(db: Session) -> None:
    me = make_subscriber(db)
    _texting(db, me.account.id)
    sent = _text(db, me.account.id, sent=True, attempts=1)
    failing = _text(db, me.account.id, attempts=2, error="Twilio 503")
    dead = _text(db, me.account.id, attempts=sms_outbox.MAX_ATTEMPTS, error="21211 invalid 'To' number")
    code = _text(db, me.account.id, attempts=sms_outbox.MAX_ATTEMPTS, error="expired", purpose="verification",
                 event=None)
    waiting = _text(db, me.account.id)
    failed = log.outbox_texts(db, principal=STAFF)
    assert [t.id for t in failed] == [code.id, dead.id, failing.id]
    by_id = {t.id: t for t in failed}
    assert (by_id[failing.id].status, by_id[failing.id].can_retry, by_id[failing.id].what) == (
        "Waiting", True, "Outages and maintenance")
    assert by_id[failing.id].next_attempt_at is not None and by_id[failing.id].to == "(512) 555-0123"
    assert (by_id[dead.id].status, by_id[dead.id].last_error, by_id[dead.id].next_attempt_at) == (
        "Not delivered", "21211 invalid 'To' number", None)
    assert (by_id[code.id].what, by_id[code.id].can_retry) == ("Verification code", False)
    assert by_id[dead.id].account_number == me.account.account_number
    every = log.outbox_texts(db, principal=STAFF, failed_only=False)
    assert [t.id for t in every] == [waiting.id, code.id, dead.id, failing.id, sent.id]
    assert {t.id: t.status for t in every}[sent.id] == "Sent"
    with pytest.raises(StaffOnly):
        log.outbox_texts(db, principal=me.principal)


def test_send_again_queues_a_failed_text_now_and_writes_history(db: Session) -> None:
    me = make_subscriber(db)
    _texting(db, me.account.id)
    dead = _text(db, me.account.id, attempts=sms_outbox.MAX_ATTEMPTS, error="20003 authenticate")
    now = utcnow()
    sms_outbox.retry_text(db, principal=STAFF, text_id=dead.id, now=now)
    db.commit()
    db.refresh(dead)
    assert (dead.attempts, dead.next_attempt_at, dead.sent_at) == (0, now, None)
    note = db.exec(select(AccountHistory).where(AccountHistory.account_id == me.account.id,
                                                AccountHistory.action == "text_retried")).one()
    assert note.summary == f"Text {dead.id} queued again after: 20003 authenticate"
    with pytest.raises(NotFound):  # no longer failed (queued afresh): nothing to send again
        sms_outbox.retry_text(db, principal=STAFF, text_id=dead.id)
    with pytest.raises(StaffOnly):
        sms_outbox.retry_text(db, principal=me.principal, text_id=dead.id)


def test_a_code_or_a_number_that_replied_stop_is_not_sent_again(db: Session) -> None:
    me = make_subscriber(db)
    _texting(db, me.account.id, sms_opted_out_at=utcnow() - dt.timedelta(hours=1))
    stopped = _text(db, me.account.id, attempts=sms_outbox.MAX_ATTEMPTS, error=sms_outbox.NOT_SENT_STOPPED)
    code = _text(db, me.account.id, attempts=sms_outbox.MAX_ATTEMPTS, error="expired", purpose="verification",
                 event=None)
    db.commit()
    with pytest.raises(PortalError, match="replied STOP"):
        sms_outbox.retry_text(db, principal=STAFF, text_id=stopped.id)
    with pytest.raises(PortalError, match="new one"):
        sms_outbox.retry_text(db, principal=STAFF, text_id=code.id)
    db.rollback()
    assert {r.attempts for r in db.exec(select(OutboxSms))} == {sms_outbox.MAX_ATTEMPTS}


def test_the_texts_page_lists_filters_and_sends_again(app_db: str, db: Session) -> None:  # noqa: F811
    me = make_subscriber(db)
    _texting(db, me.account.id)
    dead = _text(db, me.account.id, attempts=sms_outbox.MAX_ATTEMPTS, error="21610 unsubscribed recipient")
    sent = _text(db, me.account.id, sent=True, attempts=1)
    db.commit()
    # A subscriber's cookie is no staff session: nothing loads.
    outsider = page_state(StaffTextsState, "/staff/texts", cookie=signed_in_cookie(db, me))
    call(StaffTextsState.load, outsider)
    assert outsider.rows == [] and not outsider.staff_signed_in

    state = page_state(StaffTextsState, "/staff/texts", cookie=_staff_cookie(db))
    call(StaffTextsState.load, state)
    [row] = state.rows
    assert (row["id"], row["error"], row["can_retry"]) == (str(dead.id), "21610 unsubscribed recipient", "1")
    assert row["status"] == f"Not delivered: failed {sms_outbox.MAX_ATTEMPTS} time(s)"
    call(StaffTextsState.show, state, "all")
    assert [r["id"] for r in state.rows] == [str(sent.id), str(dead.id)] and state.rows[0]["can_retry"] == ""
    call(StaffTextsState.show, state, "failed")
    call(StaffTextsState.retry, state, str(dead.id))
    assert state.notice == "Queued again: the next delivery run sends it." and state.rows == []
    call(StaffTextsState.retry, state, str(dead.id))
    assert state.notice == "That message is no longer waiting to be sent."
    call(StaffTextsState.retry, state, "../1")
    assert state.rows == []
