"""The per-worker cache of resolved sessions (services/identity/session_cache.py), on SQLite and PostgreSQL:
a session resolved once is resolved again without a query, and every way a session ends or changes
counts at the very next event once its transaction has committed."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from factories import count_queries, make_account, make_subscriber
from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.integrations import live as transport
from portal_app.models import AccountMembership, PortalUser, UserSession, utcnow
from portal_app.services.core.access import BILLING, FULL
from portal_app.services.identity import account_security, auth, memberships, portal_users, session_cache
from portal_app.services.identity.secrets_util import hash_token


def _session(db: Session, user: PortalUser) -> str:
    token = auth.redeem_session_ticket(db, ticket=auth.create_session_ticket(db, user=user)).token
    db.commit()
    return token


def _cached(db: Session, user: PortalUser) -> str:
    """A signed-in session this worker has resolved (so its next check comes from memory)."""
    token = _session(db, user)
    auth.resolve_session(db, token=token)
    db.commit()
    assert session_cache.lookup(db, hash_token(token)) is not None
    assert count_queries(db, lambda: auth.resolve_session(db, token=token)) == 0
    return token


def _ended(db: Session, token: str) -> str:
    with pytest.raises(auth.SessionInvalid) as ended:
        auth.resolve_session(db, token=token)
    return ended.value.reason


def test_sign_out_counts_at_once(db: Session) -> None:
    me = make_subscriber(db)
    token = _cached(db, me.user)
    auth.end_session(db, token=token)
    db.commit()
    assert _ended(db, token) == "revoked"


def test_sign_out_everywhere_ends_every_cached_session(db: Session) -> None:
    me = make_subscriber(db)
    phone, laptop = _cached(db, me.user), _cached(db, me.user)
    account_security.sign_out_everywhere(db, principal=auth.resolve_session(db, token=phone))
    db.commit()
    assert _ended(db, phone) == _ended(db, laptop) == "revoked"


def test_a_password_change_ends_the_other_sessions_but_not_this_one(db: Session) -> None:
    me = make_subscriber(db)
    here, elsewhere = _cached(db, me.user), _cached(db, me.user)
    keep = auth.resolve_session(db, token=here).session_id
    portal_users.end_sessions(db, user_id=me.user.id, except_session_id=keep)  # what change_password does
    db.commit()
    assert _ended(db, elsewhere) == "revoked"
    assert auth.resolve_session(db, token=here).session_id == keep


def test_a_disabled_sign_in_is_signed_out_at_once(db: Session) -> None:
    me = make_subscriber(db)
    token = _cached(db, me.user)
    user = db.get(PortalUser, me.user.id)
    user.disabled = True
    db.add(user)
    db.commit()
    assert _ended(db, token) == "revoked"


def test_a_removed_membership_and_a_changed_role_count_at_once(db: Session) -> None:
    me = make_subscriber(db)
    token = _cached(db, me.user)
    membership = db.exec(select(AccountMembership).where(AccountMembership.user_id == me.user.id)).one()
    membership.role = BILLING
    db.add(membership)
    db.commit()
    assert auth.resolve_session(db, token=token).role == BILLING
    db.execute(update(AccountMembership).where(col(AccountMembership.id) == membership.id).values(role=FULL))
    db.commit()
    assert auth.resolve_session(db, token=token).role == FULL
    db.delete(db.get(AccountMembership, membership.id))
    db.commit()
    assert _ended(db, token) == "revoked"


def test_a_revocation_by_statement_counts_at_once(db: Session) -> None:
    me = make_subscriber(db)
    token = _cached(db, me.user)
    db.execute(update(UserSession).where(col(UserSession.user_id) == me.user.id).values(revoked_at=utcnow()))
    db.commit()
    assert _ended(db, token) == "revoked"


def test_switching_account_in_one_tab_moves_every_tab_of_the_session(db: Session) -> None:
    me = make_subscriber(db)
    other = make_account(db, first_name="Bea", last_name="Other")
    db.add(AccountMembership(user_id=me.user.id, account_id=other.id, role=FULL, added_by="test"))
    db.commit()
    token = _cached(db, me.user)
    memberships.switch_account(db, principal=auth.resolve_session(db, token=token), account_id=other.id)
    db.commit()
    moved = auth.resolve_session(db, token=token)
    assert (moved.account_id, moved.display_name) == (other.id, "Bea Other")


def test_idle_and_absolute_expiry_are_checked_on_every_hit(db: Session) -> None:
    me = make_subscriber(db)
    token = _cached(db, me.user)
    row = db.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).one()
    idle = dt.timedelta(minutes=get_settings().session_idle_minutes)
    with pytest.raises(auth.SessionInvalid, match="expired"):
        auth.resolve_session(db, token=token, now=row.last_seen_at + idle)
    with pytest.raises(auth.SessionInvalid, match="expired"):
        auth.resolve_session(db, token=token, now=row.expires_at)
    assert auth.resolve_session(db, token=token).session_id == row.id  # still fine now


def test_activity_is_written_once_a_minute_from_the_cache_too(db: Session) -> None:
    me = make_subscriber(db)
    token, bystander = _cached(db, me.user), _cached(db, make_subscriber(db).user)
    row = db.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).one()
    later = row.last_seen_at + auth.TOUCH_INTERVAL
    auth.resolve_session(db, token=token, now=later)
    db.commit()
    db.refresh(row)
    assert row.last_seen_at == later
    assert session_cache.lookup(db, hash_token(bystander)) is not None  # the touch itself empties nothing
    # the idle limit now runs from the new time
    idle = dt.timedelta(minutes=get_settings().session_idle_minutes)
    assert auth.resolve_session(db, token=token, now=later + idle - dt.timedelta(seconds=1)).session_id == row.id


def test_a_read_that_raced_a_change_is_not_kept(db: Session) -> None:
    me = make_subscriber(db)
    token = _session(db, me.user)
    read_at = session_cache.generation()
    principal = auth.resolve_session(db, token=token)
    session_cache.forget_all()  # a revocation committed while the old row was being read
    session_cache.store(db, hash_token(token), principal=principal, expires_at=utcnow() + dt.timedelta(hours=1),
                        last_seen_at=utcnow(), read_at_generation=read_at)
    assert session_cache.lookup(db, hash_token(token)) is None


def test_what_a_rolled_back_change_read_is_not_kept(db: Session) -> None:
    me = make_subscriber(db)
    other = make_account(db)
    db.add(AccountMembership(user_id=me.user.id, account_id=other.id, role=FULL, added_by="test"))
    db.commit()
    token = _session(db, me.user)
    session_cache.forget_all()
    memberships.switch_account(db, principal=auth.resolve_session(db, token=token), account_id=other.id)
    assert auth.resolve_session(db, token=token).account_id == other.id  # uncommitted, this transaction only
    db.rollback()
    kept = session_cache.lookup(db, hash_token(token))
    assert kept is None or kept.principal.account_id == me.account.id
    assert auth.resolve_session(db, token=token).account_id == me.account.id


@pytest.fixture
def redis_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    program = shutil.which("redis-server")
    if program is None:
        pytest.fail("redis-server is not installed (scripts/test-services.sh installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        monkeypatch.setenv("REFLEX_REDIS_URL", url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_with_redis_another_workers_revocation_empties_this_cache(db: Session, redis_url: str) -> None:
    import redis

    me = make_subscriber(db)
    token = _session(db, me.user)

    def resolved_and_cached() -> bool:
        auth.resolve_session(db, token=token)
        db.commit()
        return session_cache.lookup(db, hash_token(token)) is not None

    assert _wait_for(resolved_and_cached), "never cached while subscribed"
    # Another worker's commit arrives as a message only (this process never ran the change).
    redis.Redis.from_url(redis_url).publish(transport.SESSIONS_CHANNEL, b"changed")
    assert _wait_for(lambda: session_cache.lookup(db, hash_token(token)) is None)


def test_with_redis_nothing_is_cached_while_the_subscription_is_down(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    me = make_subscriber(db)
    token = _session(db, me.user)
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:9/0")  # the discard port: nothing listens
    auth.resolve_session(db, token=token)
    assert session_cache.lookup(db, hash_token(token)) is None
    assert count_queries(db, lambda: auth.resolve_session(db, token=token)) >= 1


def test_with_redis_a_change_that_cannot_be_announced_does_not_commit(db: Session,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    me = make_subscriber(db)
    token = _session(db, me.user)
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:9/0")
    auth.end_session(db, token=token)
    with pytest.raises(Exception):
        db.commit()
    db.rollback()
    monkeypatch.delenv("REFLEX_REDIS_URL")
    assert auth.resolve_session(db, token=token).user_id == me.user.id  # still signed in: nothing changed
