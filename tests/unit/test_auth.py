"""Sign-in, one-time session tickets, server-side sessions and safe redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories import OTHER_PASSWORD, PASSWORD, make_account, make_subscriber, make_user
from sqlmodel import Session, select

from portal_app.config import get_settings
from portal_app.models import AccountHistory, AuthToken, PortalUser, UserSession, utcnow
from portal_app.services.identity import auth
from portal_app.services.core.errors import SignInFailed
from portal_app.services.identity.secrets_util import hash_token


def _history(db: Session, account_id: int, action: str) -> list[AccountHistory]:
    return list(
        db.exec(select(AccountHistory).where(AccountHistory.account_id == account_id, AccountHistory.action == action))
    )


def _session_row(db: Session, token: str) -> UserSession:
    return db.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).one()


def _signed_in(db: Session, user: PortalUser) -> str:
    """Run the real sign-in hand-off and return the session cookie's token."""
    ticket = auth.create_session_ticket(db, user=user)
    db.commit()
    token = auth.redeem_session_ticket(db, ticket=ticket, client_ip="203.0.113.9", user_agent="pytest").token
    db.commit()
    return token


# --- authenticate ---------------------------------------------------------------------------


def test_sign_in_by_username_and_by_email_ignoring_case(db: Session) -> None:
    account = make_account(db)
    user = make_user(db, account, username="maya", email="maya.okafor@mail.example")
    db.commit()
    for login in ("maya", "MAYA", "  Maya ", "maya.okafor@mail.example", "Maya.Okafor@Mail.Example"):
        assert auth.authenticate(db, login=login, password=PASSWORD).id == user.id


MISSES = [
    ("maya", "wrong-password"),
    ("maya", PASSWORD.upper()),
    ("nobody", PASSWORD),
    ("nobody@mail.example", PASSWORD),
    ("", PASSWORD),
    ("maya", ""),
    ("", ""),
    ("   ", PASSWORD),
]


def test_every_kind_of_miss_gets_the_same_message(db: Session, subtests) -> None:
    account = make_account(db)
    make_user(db, account, username="maya", email="maya@mail.example")
    db.commit()
    for login, password in MISSES:
        with subtests.test(login=login, password=password):
            with pytest.raises(SignInFailed) as failure:
                auth.authenticate(db, login=login, password=password)
            assert str(failure.value) == auth.WRONG_CREDENTIALS == "The username or password is incorrect."


def test_wrong_password_counts_a_failed_sign_in(db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    for _ in range(2):
        with pytest.raises(SignInFailed):
            auth.authenticate(db, login=subscriber.user.username, password="nope")
    db.commit()
    db.refresh(subscriber.user)
    assert subscriber.user.failed_sign_ins == 2
    # A successful hand-off resets the counter.
    _signed_in(db, subscriber.user)
    db.refresh(subscriber.user)
    assert subscriber.user.failed_sign_ins == 0 and subscriber.user.last_sign_in_at is not None


def test_unverified_user_is_told_to_verify_only_with_the_right_password(db: Session) -> None:
    account = make_account(db)
    make_user(db, account, username="newbie", verified=False)
    db.commit()
    with pytest.raises(SignInFailed) as wrong:
        auth.authenticate(db, login="newbie", password="wrong-password")
    assert str(wrong.value) == auth.WRONG_CREDENTIALS
    with pytest.raises(SignInFailed) as right:
        auth.authenticate(db, login="newbie", password=PASSWORD)
    assert str(right.value) == auth.NOT_VERIFIED
    assert "verif" in str(right.value)


def test_disabled_user_is_refused_with_the_generic_message(db: Session) -> None:
    account = make_account(db)
    make_user(db, account, username="gone", disabled=True)
    db.commit()
    with pytest.raises(SignInFailed) as failure:
        auth.authenticate(db, login="gone", password=PASSWORD)
    assert str(failure.value) == auth.WRONG_CREDENTIALS


def test_each_user_signs_in_with_their_own_password_only(db: Session) -> None:
    a, b = make_account(db), make_account(db)
    make_user(db, a, username="alice")
    make_user(db, b, username="bob", password=OTHER_PASSWORD)
    db.commit()
    assert auth.authenticate(db, login="bob", password=OTHER_PASSWORD).account_id == b.id
    with pytest.raises(SignInFailed):
        auth.authenticate(db, login="alice", password=OTHER_PASSWORD)


def test_unknown_user_still_runs_one_password_verification(db: Session, monkeypatch, subtests) -> None:
    """Not a timing test: the unknown-user path must do the same Argon2 work as a known user."""
    account = make_account(db)
    make_user(db, account, username="maya")
    db.commit()
    calls: list[str | None] = []
    real_verify = auth.verify_password

    def counting_verify(password: str, password_hash: str | None) -> bool:
        calls.append(password_hash)
        return real_verify(password, password_hash)

    monkeypatch.setattr("portal_app.services.identity.auth.verify_password", counting_verify)
    for login in ("nobody", "", "maya"):
        with subtests.test(login=login):
            calls.clear()
            with pytest.raises(SignInFailed):
                auth.authenticate(db, login=login, password="wrong-password")
            assert len(calls) == 1


# --- tickets --------------------------------------------------------------------------------


def test_ticket_redeems_once_into_a_session_and_a_history_entry(db: Session) -> None:
    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    new_session = auth.redeem_session_ticket(db, ticket=ticket, client_ip="203.0.113.9", user_agent="pytest")
    db.commit()

    row = _session_row(db, new_session.token)
    assert row.user_id == subscriber.user.id and row.revoked_at is None
    assert row.client_ip == "203.0.113.9" and row.user_agent == "pytest"
    hours = get_settings().session_absolute_hours
    assert new_session.max_age_seconds == hours * 3600
    assert abs((row.expires_at - row.created_at) - timedelta(hours=hours)) < timedelta(seconds=5)
    signed_in = _history(db, subscriber.account.id, "signed_in")
    assert len(signed_in) == 1
    assert signed_in[0].actor_kind == "subscriber" and "203.0.113.9" in signed_in[0].summary
    assert auth.resolve_session(db, token=new_session.token).user_id == subscriber.user.id

    with pytest.raises(auth.SessionInvalid):
        auth.redeem_session_ticket(db, ticket=ticket)
    db.rollback()
    assert len(db.exec(select(UserSession)).all()) == 1
    assert len(_history(db, subscriber.account.id, "signed_in")) == 1


def test_every_sign_in_gets_a_fresh_session_token(db: Session) -> None:
    subscriber = make_subscriber(db)
    first, second = _signed_in(db, subscriber.user), _signed_in(db, subscriber.user)
    assert first != second
    assert auth.active_session_count(db, user_id=subscriber.user.id) == 2


def test_ticket_is_stored_hashed_and_short_lived(db: Session) -> None:
    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    row = db.exec(select(AuthToken).where(AuthToken.purpose == "session_ticket")).one()
    assert row.token_hash == hash_token(ticket) != ticket
    assert len(ticket) >= 22  # >= 128 random bits, URL-safe base64
    assert row.expires_at - row.created_at <= timedelta(minutes=5)


def test_expired_ticket_fails(db: Session) -> None:
    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    row = db.exec(select(AuthToken).where(AuthToken.token_hash == hash_token(ticket))).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(auth.SessionInvalid):
        auth.redeem_session_ticket(db, ticket=ticket)
    db.rollback()
    assert db.exec(select(UserSession)).first() is None
    assert _history(db, subscriber.account.id, "signed_in") == []


def test_tampered_ticket_fails(db: Session, subtests) -> None:
    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    db.commit()
    forgeries = {
        "flip_last": ticket[:-1] + ("A" if ticket[-1] != "A" else "B"),
        "truncate": ticket[:-1],
        "extend": ticket + "x",
        "upper": ticket.upper(),
        "empty": "",
    }
    for tamper, forged in forgeries.items():
        with subtests.test(tamper=tamper):
            with pytest.raises(auth.SessionInvalid):
                auth.redeem_session_ticket(db, ticket=forged)
            db.rollback()
            assert db.exec(select(UserSession)).first() is None
    # The genuine ticket is still good: the forgeries did not burn it.
    assert auth.redeem_session_ticket(db, ticket=ticket).token


def test_ticket_for_a_user_disabled_meanwhile_gives_no_session(db: Session) -> None:
    subscriber = make_subscriber(db)
    ticket = auth.create_session_ticket(db, user=subscriber.user)
    subscriber.user.disabled = True
    db.add(subscriber.user)
    db.commit()
    with pytest.raises(auth.SessionInvalid):
        auth.redeem_session_ticket(db, ticket=ticket)
    db.rollback()
    assert db.exec(select(UserSession)).first() is None


# --- sessions -------------------------------------------------------------------------------


def test_valid_session_resolves_to_the_account_holder(db: Session) -> None:
    subscriber = make_subscriber(db, first_name="Maya", last_name="Okafor")
    token = _signed_in(db, subscriber.user)
    principal = auth.resolve_session(db, token=token)
    assert principal.kind == "subscriber"
    assert (principal.user_id, principal.account_id) == (subscriber.user.id, subscriber.account.id)
    assert principal.display_name == "Maya Okafor"
    assert principal.session_id == _session_row(db, token).id


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token(db: Session, token: str | None) -> None:
    with pytest.raises(auth.SessionInvalid) as problem:
        auth.resolve_session(db, token=token)
    assert problem.value.reason == "missing"


def test_unknown_token_is_not_a_session(db: Session) -> None:
    subscriber = make_subscriber(db)
    token = _signed_in(db, subscriber.user)
    with pytest.raises(auth.SessionInvalid) as problem:
        auth.resolve_session(db, token=token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert problem.value.reason == "expired"


def test_idle_session_expires(db: Session) -> None:
    subscriber = make_subscriber(db)
    token = _signed_in(db, subscriber.user)
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    row = _session_row(db, token)
    row.last_seen_at = utcnow() - idle - timedelta(seconds=5)
    db.add(row)
    db.commit()
    with pytest.raises(auth.SessionInvalid) as problem:
        auth.resolve_session(db, token=token)
    assert problem.value.reason == "expired"


def test_activity_keeps_a_session_alive(db: Session) -> None:
    subscriber = make_subscriber(db)
    token = _signed_in(db, subscriber.user)
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    row = _session_row(db, token)
    start = row.last_seen_at
    # Just inside the idle window: still signed in, and the visit counts as activity...
    almost_idle = start + idle - timedelta(minutes=1)
    auth.resolve_session(db, token=token, now=almost_idle)
    db.commit()
    db.refresh(row)
    assert row.last_seen_at == almost_idle
    # ...so the session outlives the first idle deadline.
    later = start + idle + timedelta(minutes=5)
    assert auth.resolve_session(db, token=token, now=later).user_id == subscriber.user.id
    db.commit()
    # Idle again for the whole window after that: signed out.
    with pytest.raises(auth.SessionInvalid) as problem:
        auth.resolve_session(db, token=token, now=later + idle + timedelta(seconds=1))
    assert problem.value.reason == "expired"


def test_absolute_expiry_ends_even_an_active_session(db: Session) -> None:
    subscriber = make_subscriber(db)
    token = _signed_in(db, subscriber.user)
    row = _session_row(db, token)
    row.expires_at = utcnow() - timedelta(seconds=1)
    row.last_seen_at = utcnow()
    db.add(row)
    db.commit()
    with pytest.raises(auth.SessionInvalid) as problem:
        auth.resolve_session(db, token=token)
    assert problem.value.reason == "expired"


def test_sign_out_revokes_the_session_and_writes_history(db: Session) -> None:
    subscriber = make_subscriber(db)
    token = _signed_in(db, subscriber.user)
    other_token = _signed_in(db, subscriber.user)  # another browser stays signed in
    auth.end_session(db, token=token)
    db.commit()
    with pytest.raises(auth.SessionInvalid) as problem:
        auth.resolve_session(db, token=token)
    assert problem.value.reason == "revoked"
    assert _session_row(db, token).revoked_at is not None
    signed_out = _history(db, subscriber.account.id, "signed_out")
    assert len(signed_out) == 1 and signed_out[0].entity_id == subscriber.user.id
    assert auth.resolve_session(db, token=other_token).user_id == subscriber.user.id
    # Signing out twice (or with no cookie) is harmless and writes nothing more.
    auth.end_session(db, token=token)
    auth.end_session(db, token=None)
    db.commit()
    assert len(_history(db, subscriber.account.id, "signed_out")) == 1


def test_disabling_a_user_ends_their_sessions(db: Session) -> None:
    subscriber = make_subscriber(db)
    token = _signed_in(db, subscriber.user)
    subscriber.user.disabled = True
    db.add(subscriber.user)
    db.commit()
    with pytest.raises(auth.SessionInvalid) as problem:
        auth.resolve_session(db, token=token)
    assert problem.value.reason == "revoked"


def test_session_token_is_stored_only_as_a_hash(db: Session, engine: sa.Engine) -> None:
    subscriber = make_subscriber(db)
    token = _signed_in(db, subscriber.user)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM user_session")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hash_token(token)
    assert all(token not in str(value) for value in rows[0].values())


# --- next= redirects ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/invoices?page=2", "/invoices/12#lines", "/tickets"])
def test_safe_next_path_keeps_our_own_paths(path: str) -> None:
    assert auth.safe_next_path(path) == path


@pytest.mark.parametrize(
    "candidate",
    [
        "https://evil.example",
        "https://evil.example/",
        "//evil.example",
        "//evil.example/invoices",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil",
        "evil.example/path",
        "",
        None,
        "/\tevil",
        "/\nLocation: https://evil.example",
        "  //evil.example",
    ],
)
def test_safe_next_path_rejects_everything_else(candidate: str | None) -> None:
    assert auth.safe_next_path(candidate) == "/"
