"""The payment gateway interface: what the payments service needs from a card/bank processor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


def N_(text: str) -> str:
    """Marks words a payer reads (a decline reason) for the catalog: `make translations` extracts N_("...").
    They stay English here and where they are stored; the portal translates them where they are shown (a state's
    `_t`, the mail templates' `say` filter), looking the English up in the reader's catalog."""
    return text


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


@runtime_checkable
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

    def find_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        """The charge made under this attempt key, found at the processor; None when there is none."""

    def detach(self, *, token: str) -> None:
        """Forget a stored method at the processor (a removed card can never be charged again)."""

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str, reason: str) -> tuple[str, str]:
        """Refund part or all of a charge once per key; returns (refund reference, succeeded|pending|failed)."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@runtime_checkable
class HostedGateway(PaymentGateway, Protocol):
    """A processor whose own pages collect new cards and bank accounts (Stripe Checkout) and which
    reports outcomes by signed webhooks, so card and bank numbers never reach the portal. Every
    method the portal calls beyond `PaymentGateway` is named here, so a gateway is checked whole."""

    @property
    def offers_ach(self) -> bool:
        """Whether bank debits exist in the provider's currency."""

    def create_customer(self, *, account_number: str, name: str, email: str | None) -> str:
        """The account's one customer at the processor (a retried creation returns the same one)."""

    def create_checkout(self, *, mode: str, customer: str, kind: str, attempt_key: str, success_url: str,
                        cancel_url: str, metadata: dict[str, str], amount_cents: int = 0, description: str = "",
                        save: bool = False) -> CheckoutSession:
        """A hosted payment (mode "payment") or hosted method collection (mode "setup")."""

    def describe(self, *, customer: str, payment_method_id: str) -> Tokenized:
        """What the portal keeps of a method the processor collected."""

    def tokenized(self, method: dict, *, customer: str = "") -> Tokenized:
        """A payment-method object from the API or an event, as the portal keeps it."""

    def retrieve_intent(self, kind: str, intent_id: str) -> dict:
        """A payment or setup intent as the processor has it now."""

    def intent_outcome(self, intent: dict) -> str:
        """pending | succeeded | failed:<reason>, from an intent's own status."""

    def checkout_outcome(self, *, session_id: str) -> tuple[str, str]:
        """(pending | succeeded | failed:<reason>, intent id) of a hosted payment."""

    def refunds_for(self, *, reference: str) -> list[dict]:
        """Every refund of a charge."""

    def verify_event(self, payload: bytes, signature: str) -> dict:
        """The webhook event, if its signature is the processor's; raises ValueError otherwise."""
