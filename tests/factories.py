"""Small builders for test data: accounts, portal users with a known password, invoices, payments.

Argon2 is deliberately slow, so each distinct password is hashed once per test session and the
hash is reused for every user created with it. Money is integer cents, as in the product.
"""

from __future__ import annotations

import sqlalchemy as sa

import asyncio
import datetime as dt
import functools
import inspect
import itertools
import uuid
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from portal_app.config import get_settings
from portal_app.models import Account, AccountMembership, Invoice, Payment, PortalUser, get_engine, utcnow
from portal_app.services.core.principal import Principal
from portal_app.services.identity.secrets_util import hash_password

PASSWORD = "correct-horse-battery-staple"
OTHER_PASSWORD = "another-long-passphrase-42"

_numbers = itertools.count(1)


def _unique() -> int:
    return next(_numbers)


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    """The Argon2 hash of `password`, computed once per session."""
    return hash_password(password)


def make_account(
    db: Session,
    *,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    kind: str = "residential",
    company_name: str = "",
    account_number: str | None = None,
    **fields,
) -> Account:
    account = Account(
        account_number=account_number or f"9{_unique():08d}",
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        company_name=company_name,
        service_street="12 Test Lane",
        service_city="Austin",
        service_state="TX",
        service_zip="78701",
        billing_zip="78701",
        **fields,
    )
    db.add(account)
    db.flush()
    return account


def make_user(
    db: Session,
    account: Account,
    *,
    username: str | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    disabled: bool = False,
) -> PortalUser:
    n = _unique()
    user = PortalUser(
        account_id=account.id,
        username=(username or f"user{n}").lower(),
        email=(email or f"user{n}@mail.example").lower(),
        password_hash=password_hash(password),
        verified_at=utcnow() if verified else None,
        disabled=disabled,
    )
    db.add(user)
    db.flush()
    db.add(AccountMembership.home_of(user))
    db.flush()
    return user


@dataclass(frozen=True)
class Subscriber:
    """An account with one verified portal user who signs in with `password`."""

    account: Account
    user: PortalUser
    password: str

    @property
    def principal(self) -> Principal:
        return Principal(
            kind="subscriber",
            display_name=self.account.display_name,
            user_id=self.user.id,
            account_id=self.account.id,
        )


def make_subscriber(db: Session, *, password: str = PASSWORD, **account_fields) -> Subscriber:
    account = make_account(db, **account_fields)
    user = make_user(db, account, password=password)
    return Subscriber(account=account, user=user, password=password)


def make_invoice(
    db: Session,
    account: Account,
    total_cents: int,
    *,
    status: str = "open",
    due_on: dt.date = dt.date(2026, 3, 21),
) -> Invoice:
    if not isinstance(total_cents, int):
        raise TypeError("invoice totals are integer cents")
    issued = due_on.replace(day=1)
    invoice = Invoice(
        account_id=account.id,
        number=f"T-INV-{_unique()}",
        issued_on=issued,
        due_on=due_on,
        period_start=issued,
        period_end=due_on,
        total_cents=total_cents,
        status=status,
    )
    db.add(invoice)
    db.flush()
    return invoice


def make_payment(db: Session, account: Account, amount_cents: int, *, status: str = "succeeded") -> Payment:
    if not isinstance(amount_cents, int):
        raise TypeError("payment amounts are integer cents")
    payment = Payment(
        account_id=account.id,
        receipt_number=f"T-RCPT-{_unique()}",
        amount_cents=amount_cents,
        status=status,
        method_kind="card",
        method_label="Visa •••• 4242",
        gateway="sandbox",
        gateway_ref=f"sandbox_{uuid.uuid4().hex[:12]}",
        idempotency_key=uuid.uuid4().hex,
        settled_at=utcnow() if status == "succeeded" else None,
    )
    db.add(payment)
    db.flush()
    return payment


# --- pointing the app's own engine (used by routes and Reflex states) at a test database -----


def point_app_at(monkeypatch: pytest.MonkeyPatch, database_url: str, **env: str) -> None:
    """Make `get_settings()`/`get_engine()` use `database_url` (and any extra PORTAL_* env)."""
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    get_engine.cache_clear()


def reset_app_engine() -> None:
    """Close the app engine's connections and forget the cached settings."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


def call(handler, state, *args):
    """Run an event handler on `state` as Reflex would: an async handler (one whose blocking body
    runs off the event loop) is run to its end."""
    result = handler.fn(state, *args)
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def count_queries(db, action) -> int:
    """How many SQL statements `action()` sends through `db`'s engine."""
    count = 0

    def statement(*_args) -> None:
        nonlocal count
        count += 1

    engine = db.get_bind()
    sa.event.listen(engine, "before_cursor_execute", statement)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
    return count
