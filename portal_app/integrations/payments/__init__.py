"""Payment gateways behind one interface, chosen in one place from settings (tests swap it here)."""

from __future__ import annotations

import threading

from portal_app.config import get_settings
from portal_app.integrations.payments.base import (
    BankDetails, CardDetails, ChargeResult, CheckoutSession, GatewayBusy, GatewayDeclined, GatewayMisconfigured,
    GatewayUnavailable, HostedGateway, PaymentGateway, Tokenized,
)

_lock = threading.Lock()
_gateway: PaymentGateway | None = None


def get_gateway() -> PaymentGateway:
    """The configured gateway (one per process)."""
    global _gateway
    with _lock:
        if _gateway is None:
            _gateway = _build(get_settings().payments)
        return _gateway


def _build(name: str) -> PaymentGateway:
    settings = get_settings()
    if name == "sandbox":
        if settings.is_production and not settings.allow_sandbox_in_production:
            raise RuntimeError("The sandbox gateway takes no real money; it is refused in production.")
        from portal_app.integrations.payments.sandbox import SandboxGateway

        return SandboxGateway()
    if name == "stripe":
        from portal_app.integrations.payments.stripe_gateway import StripeGateway

        return StripeGateway.from_settings(settings)
    raise RuntimeError(f"Unknown payment gateway {name!r}: use 'sandbox' or 'stripe'")


def use_gateway(gateway: PaymentGateway | None) -> None:
    """Swap the gateway (tests); None rebuilds it from settings on next use."""
    global _gateway
    with _lock:
        _gateway = gateway


__all__ = [
    "BankDetails", "CardDetails", "ChargeResult", "CheckoutSession", "GatewayBusy", "GatewayDeclined",
    "GatewayMisconfigured", "GatewayUnavailable", "HostedGateway",
    "PaymentGateway", "Tokenized", "get_gateway", "use_gateway",
]
