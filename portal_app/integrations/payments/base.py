"""The payment gateway interface: what the payments service needs from a card/bank processor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class GatewayDeclined(Exception):
    """The processor refused; the message is plain words a payer can act on."""


class GatewayUnavailable(Exception):
    """The processor could not be reached; the outcome of a charge is unknown until reconciled."""


@dataclass(frozen=True)
class CardDetails:
    """What a hosted card form collects; handed straight to the gateway, never stored or logged."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str
    postal_code: str = ""

    def __repr__(self) -> str:  # keep the number out of tracebacks and logs
        return "CardDetails(<redacted>)"


@dataclass(frozen=True)
class BankDetails:
    routing_number: str
    account_number: str
    holder_name: str = ""

    def __repr__(self) -> str:
        return "BankDetails(<redacted>)"


@dataclass(frozen=True)
class Tokenized:
    """A payment method as the portal may keep it: the gateway's token and display facts only."""

    token: str
    kind: str  # card | ach
    brand: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None

    @property
    def label(self) -> str:
        return f"{self.brand} •••• {self.last4}"


@dataclass(frozen=True)
class ChargeResult:
    status: str  # succeeded | pending (ACH until settled)
    reference: str


class PaymentGateway(Protocol):
    name: str

    def tokenize_card(self, card: CardDetails) -> Tokenized:
        """The hosted step: the gateway takes the card and returns a token (or declines)."""

    def tokenize_bank(self, bank: BankDetails) -> Tokenized:
        ...

    def charge(self, *, token: str, kind: str, amount_cents: int, idempotency_key: str, description: str) -> ChargeResult:
        """Charge once per idempotency key: a repeat with the same key returns the first result."""

    def settlement_status(self, *, reference: str) -> str:
        """For a pending (ACH) charge: pending | succeeded | failed:<reason>."""
