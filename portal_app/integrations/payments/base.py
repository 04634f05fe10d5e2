"""The payment gateway interface: what the payments service needs from a card/bank processor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class GatewayDeclined(Exception):
    """The processor refused; the message is plain words a payer can act on. Nothing was charged."""

    def __init__(self, message: str, *, code: str = "", reference: str = "", needs_authentication: bool = False) -> None:
        super().__init__(message)
        self.code = code  # the processor's decline_code or error code, for history and support
        self.reference = reference  # the processor's id for the refused attempt, when it made one
        self.needs_authentication = needs_authentication  # the payer must come back and confirm with the bank


class GatewayUnavailable(Exception):
    """The outcome of a charge is unknown (5xx, timeout, connection reset): keep it pending until reconciled."""


class GatewayBusy(Exception):
    """The processor refused to look at the request right now (rate limit): nothing happened, try again later."""


class GatewayMisconfigured(Exception):
    """The processor refused the request because of the provider's setup (keys, permissions, parameters).
    Nothing was charged; operators must look (it is logged loudly)."""


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
    status: str  # succeeded | pending (ACH until settled, or awaiting microdeposit verification)
    reference: str
    note: str = ""  # what the payer should do next, if anything (verify microdeposits)


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

    def detach(self, *, token: str) -> None:
        """Forget a stored method at the processor (a removed card can never be charged again)."""

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str, reason: str) -> tuple[str, str]:
        """Refund part or all of a charge once per key; returns (refund reference, succeeded|pending|failed)."""
