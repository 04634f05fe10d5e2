"""The sandbox gateway: a card processor's test mode, for demos and tests (takes no money).

Test numbers as in ARCHITECTURE.md: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is
declined, ACH with routing number 110000000 works. Tokens carry the test outcome in their
name, so any backend worker can charge a token another worker created (nothing in memory
is needed to decide an outcome). The ledger plays the processor's side: a repeated idempotency
key returns the first result, `find_charge` tells whether a key was charged, and tests count
charges. It lives in memory, or in a SQLite file shared by every worker on the host when
`PORTAL_SANDBOX_LEDGER` names one (several workers: a charge one made is known to the others,
as it would be at a real processor). `PORTAL_SANDBOX_ANSWER_DELAY_MS` holds each charge's answer
back after the charge is made, as a slow network would (tests stop a worker in that gap).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import sqlite3
import threading
import time

from portal_app.integrations.payments.base import (
    N_,
    BankDetails, CardDetails, ChargeResult, GatewayDeclined, Tokenized,
)

# number -> (outcome, brand); the outcome decides what a charge on its token does.
TEST_CARDS = {
    "4242424242424242": ("ok", "Visa"),
    "5555555555554444": ("ok", "Mastercard"),
    "378282246310005": ("ok", "American Express"),
    "4000000000000002": ("declined", "Visa"),
    "4000000000009995": ("insufficient", "Visa"),
    "4000000000000069": ("expired", "Visa"),
    "4000000000000341": ("chargefail", "Visa"),  # saves fine, every later charge is declined
}
TEST_ROUTING = "110000000"
ACH_FAILS_ON_SETTLEMENT = "000111111113"  # the bank returns it (insufficient funds) when it settles

DECLINE_REASONS = {
    "declined": N_("Your card was declined by your bank. Try another card or call your bank."),
    "insufficient": N_("Your card was declined for insufficient funds. Try another card."),
    "expired": N_("Your card has expired. Check the expiry date or use another card."),
    "chargefail": N_("Your card was declined by your bank. Try another card or call your bank."),
    "achfail": N_("Your bank returned the payment: insufficient funds."),
}


def _luhn_ok(number: str) -> bool:
    digits = [int(ch) for ch in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


class _Ledger:
    """The processor's books: charges by idempotency key, in memory or in a SQLite file."""

    def __init__(self, path: str = "") -> None:
        self._db = sqlite3.connect(path or ":memory:", timeout=30, check_same_thread=False, isolation_level=None)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS charges (key TEXT PRIMARY KEY, cents INTEGER NOT NULL, "
                         "status TEXT NOT NULL, reference TEXT NOT NULL, seq INTEGER)")

    def record(self, key: str, cents: int, result: ChargeResult) -> tuple[ChargeResult, bool]:
        """(the result kept under `key`, whether this call made it): the first charge wins, on any worker."""
        made = self._db.execute(
            "INSERT INTO charges (key, cents, status, reference, seq) VALUES (?, ?, ?, ?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM charges)) ON CONFLICT (key) DO NOTHING",
            (key, cents, result.status, result.reference)).rowcount == 1
        return self.find(key), made

    def find(self, key: str) -> ChargeResult | None:
        row = self._db.execute("SELECT status, reference FROM charges WHERE key = ?", (key,)).fetchone()
        return ChargeResult(status=row[0], reference=row[1]) if row else None

    def charges(self) -> list[tuple[str, int]]:
        return [(key, cents) for key, cents in self._db.execute("SELECT key, cents FROM charges ORDER BY seq")]


class SandboxGateway:
    name = "sandbox"

    def __init__(self, *, ledger_path: str | None = None, answer_delay_ms: int | None = None) -> None:
        self._lock = threading.Lock()
        self._ledger = _Ledger(os.environ.get("PORTAL_SANDBOX_LEDGER", "") if ledger_path is None else ledger_path)
        delay = os.environ.get("PORTAL_SANDBOX_ANSWER_DELAY_MS", "0") if answer_delay_ms is None else answer_delay_ms
        self.answer_delay = int(delay or 0) / 1000
        self.refunds: list[tuple[str, str, int]] = []  # (idempotency key, charge reference, cents) of each refund
        self.detached: list[str] = []  # tokens forgotten at the processor
        self._refund_ledger: dict[str, tuple[str, str]] = {}

    @property
    def charges(self) -> list[tuple[str, int]]:
        """(idempotency key, cents) of each real charge, in the order they were made."""
        with self._lock:
            return self._ledger.charges()

    def tokenize_card(self, card: CardDetails) -> Tokenized:
        number = "".join(ch for ch in card.number if ch.isdigit())
        if len(number) < 13 or len(number) > 19 or not _luhn_ok(number):
            raise GatewayDeclined("That card number is not valid. Check it and try again.")
        today = dt.date.today()
        if not (1 <= card.exp_month <= 12) or (card.exp_year, card.exp_month) < (today.year, today.month):
            raise GatewayDeclined(DECLINE_REASONS["expired"])
        cvc = card.cvc.strip()
        if not (cvc.isdigit() and len(cvc) in (3, 4)):
            raise GatewayDeclined("The security code should be the 3 or 4 digits on your card.")
        outcome, brand = TEST_CARDS.get(number, ("declined", "Card"))
        if outcome in ("expired",):
            raise GatewayDeclined(DECLINE_REASONS[outcome])
        return Tokenized(
            token=f"pm_sandbox_{outcome}_{secrets.token_hex(8)}",
            kind="card",
            brand=brand,
            last4=number[-4:],
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )

    def tokenize_bank(self, bank: BankDetails) -> Tokenized:
        routing = bank.routing_number.strip()
        account = bank.account_number.strip()
        if routing != TEST_ROUTING:
            raise GatewayDeclined("We could not find a bank with that routing number. Check the 9 digits.")
        if not account.isdigit() or not 4 <= len(account) <= 17:
            raise GatewayDeclined("The bank account number should be 4 to 17 digits.")
        outcome = "achfail" if account == ACH_FAILS_ON_SETTLEMENT else "ok"
        return Tokenized(token=f"ba_sandbox_{outcome}_{secrets.token_hex(8)}", kind="ach",
                         brand="Sandbox Test Bank", last4=account[-4:])

    def charge(self, *, token: str, kind: str, amount_cents: int, idempotency_key: str, description: str) -> ChargeResult:
        with self._lock:
            done = self._ledger.find(idempotency_key)
        if done is not None:
            return done
        outcome = self._outcome(token)
        if outcome in DECLINE_REASONS and outcome != "achfail":
            raise GatewayDeclined(DECLINE_REASONS[outcome])
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]
        if kind == "ach":
            result = ChargeResult(status="pending", reference=f"ach_sandbox_{outcome}_{digest}")
        else:
            result = ChargeResult(status="succeeded", reference=f"ch_sandbox_{digest}")
        with self._lock:
            result, _ = self._ledger.record(idempotency_key, amount_cents, result)
        if self.answer_delay:
            time.sleep(self.answer_delay)  # the charge is made; its answer is still on the way
        return result

    def find_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        """The charge made under this attempt key, if any (a real processor looks it up the same way)."""
        with self._lock:
            return self._ledger.find(idempotency_key)

    def settlement_status(self, *, reference: str) -> str:
        if reference.startswith("ach_sandbox_achfail_"):
            return "failed:" + DECLINE_REASONS["achfail"]
        return "succeeded"

    def detach(self, *, token: str) -> None:
        with self._lock:
            self.detached.append(token)

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str, reason: str) -> tuple[str, str]:
        with self._lock:
            if idempotency_key in self._refund_ledger:
                return self._refund_ledger[idempotency_key]
            digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]
            result = (f"re_sandbox_{digest}", "succeeded")
            self._refund_ledger[idempotency_key] = result
            self.refunds.append((idempotency_key, reference, amount_cents))
            return result

    @staticmethod
    def _outcome(token: str) -> str:
        # pm_sandbox_<outcome>_<random>; the demo data's tokens (pm_sandbox_demo_visa) succeed.
        parts = token.split("_")
        return parts[2] if len(parts) >= 4 and parts[2] in DECLINE_REASONS else "ok"
