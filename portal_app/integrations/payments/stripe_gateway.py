"""The Stripe gateway: hosted Checkout for new cards and bank accounts, off-session
PaymentIntents for stored methods and AutoPay, verified webhooks.

Card and bank numbers never reach the portal: new methods are entered on Stripe's Checkout
page (redirect mode; setup mode only saves a method). A stored method's token is
"<customer id>:<payment method id>", the two ids an off-session charge needs.
stripe-python 16 objects are not dicts: read them with ["key"] or .to_dict().
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from portal_app.integrations.payments.base import (
    BankDetails,
    CardDetails,
    ChargeResult,
    GatewayDeclined,
    GatewayUnavailable,
    Tokenized,
)

BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
DECLINE_WORDS = {
    "insufficient_funds": "Your card was declined for insufficient funds. Try another card.",
    "expired_card": "Your card has expired. Use another card.",
    "incorrect_cvc": "The security code was not accepted. Check it or use another card.",
    "card_declined": "Your card was declined by your bank. Try another card or call your bank.",
}


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class StripeGateway:
    name = "stripe"
    hosted_collection = True  # new cards and bank accounts go through Stripe Checkout

    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str = "", currency: str = "usd") -> None:
        options: dict[str, Any] = {"base_addresses": {"api": api_base}} if api_base else {}
        self.client = stripe.StripeClient(secret_key, max_network_retries=2, **options)
        self.webhook_secret = webhook_secret
        self.currency = currency.lower()

    @classmethod
    def from_settings(cls, settings: Any) -> StripeGateway:
        from portal_app.theming import current_theme

        if not settings.stripe_secret_key:
            raise RuntimeError("PORTAL_PAYMENTS=stripe needs PORTAL_STRIPE_SECRET_KEY")
        return cls(secret_key=settings.stripe_secret_key, webhook_secret=settings.stripe_webhook_secret,
                   api_base=settings.stripe_api_base, currency=current_theme().currency)

    # --- new methods: only through Stripe's hosted pages ------------------------------------

    def tokenize_card(self, card: CardDetails) -> Tokenized:
        raise RuntimeError("With Stripe, card details are entered on Stripe's Checkout page, never in the portal")

    def tokenize_bank(self, bank: BankDetails) -> Tokenized:
        raise RuntimeError("With Stripe, bank details are entered on Stripe's Checkout page, never in the portal")

    def create_customer(self, *, account_number: str, name: str, email: str | None) -> str:
        params: dict[str, Any] = {"name": name, "metadata": {"account_number": account_number}}
        if email:
            params["email"] = email
        return self._call(lambda: self.client.v1.customers.create(params=params))["id"]

    def create_checkout(self, *, mode: str, customer: str, kind: str, attempt_key: str, success_url: str,
                        cancel_url: str, metadata: dict[str, str], amount_cents: int = 0, description: str = "",
                        save: bool = False) -> CheckoutSession:
        """A Checkout Session (parameters as in Stripe's API reference for /v1/checkout/sessions)."""
        params: dict[str, Any] = {
            "mode": mode,
            "customer": customer,
            "client_reference_id": attempt_key,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "payment_method_types": ["us_bank_account"] if kind == "ach" else ["card"],
            "metadata": metadata,
        }
        if mode == "payment":
            params["line_items"] = [{"price_data": {"currency": self.currency, "unit_amount": amount_cents,
                                                    "product_data": {"name": description}}, "quantity": 1}]
            params["payment_intent_data"] = {"metadata": metadata, **({"setup_future_usage": "off_session"} if save else {})}
        else:
            params["currency"] = self.currency
            params["setup_intent_data"] = {"metadata": metadata}
        session = self._call(lambda: self.client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"checkout-{attempt_key}"}))
        return CheckoutSession(id=session["id"], url=session["url"])

    def describe(self, *, customer: str, payment_method_id: str) -> Tokenized:
        """What the portal keeps of a method Stripe collected: token, brand or bank, last 4, expiry."""
        method = self._call(lambda: self.client.v1.payment_methods.retrieve(payment_method_id)).to_dict()
        token = f"{customer}:{payment_method_id}"
        if method.get("type") == "us_bank_account":
            bank = method["us_bank_account"]
            return Tokenized(token=token, kind="ach", brand=bank.get("bank_name") or "Bank account", last4=bank["last4"])
        card = method["card"]
        return Tokenized(token=token, kind="card", brand=BRANDS.get(card["brand"], card["brand"].title()),
                         last4=card["last4"], exp_month=card.get("exp_month"), exp_year=card.get("exp_year"))

    def retrieve_intent(self, kind: str, intent_id: str) -> dict:
        intents = self.client.v1.setup_intents if kind == "setup" else self.client.v1.payment_intents
        return self._call(lambda: intents.retrieve(intent_id)).to_dict()

    # --- charges ------------------------------------------------------------------------------

    def charge(self, *, token: str, kind: str, amount_cents: int, idempotency_key: str, description: str) -> ChargeResult:
        customer, _, method = token.partition(":")
        params = {
            "amount": amount_cents, "currency": self.currency, "customer": customer, "payment_method": method,
            "off_session": True, "confirm": True,
            "payment_method_types": ["us_bank_account"] if kind == "ach" else ["card"],
            # The description rides in metadata (localstripe, used in tests, refuses `description`).
            "metadata": {"attempt_key": idempotency_key, "portal_description": description},
        }
        intent = self._call(lambda: self.client.v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return self._result(intent["id"], intent["status"])

    def settlement_status(self, *, reference: str) -> str:
        intent = self.retrieve_intent("payment", reference)
        if intent["status"] == "succeeded":
            return "succeeded"
        if intent["status"] in ("processing", "requires_confirmation"):
            return "pending"
        error = intent.get("last_payment_error") or {}
        return "failed:" + (error.get("message") or "The bank did not complete the payment.")

    @staticmethod
    def _result(intent_id: str, status: str) -> ChargeResult:
        if status == "succeeded":
            return ChargeResult(status="succeeded", reference=intent_id)
        if status == "processing":
            return ChargeResult(status="pending", reference=intent_id)
        if status == "requires_action":
            raise GatewayDeclined("Your bank wants you to confirm this payment. Pay with a new card on the payment page.")
        raise GatewayDeclined(DECLINE_WORDS["card_declined"])

    @staticmethod
    def _call(request):
        try:
            return request()
        except stripe.CardError as error:
            raise GatewayDeclined(DECLINE_WORDS.get(error.code or "", DECLINE_WORDS["card_declined"])) from None
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise GatewayUnavailable(str(error)) from None

    # --- webhooks -------------------------------------------------------------------------------

    def verify_event(self, payload: bytes, signature: str) -> dict:
        """The event as a dict, if the signature is Stripe's; raises ValueError otherwise."""
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except stripe.SignatureVerificationError as error:
            raise ValueError(str(error)) from None
        return event.to_dict()
