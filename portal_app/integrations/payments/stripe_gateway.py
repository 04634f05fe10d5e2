"""The Stripe gateway: hosted Checkout for new cards and bank accounts, off-session
PaymentIntents for stored methods and AutoPay, verified webhooks.

Card and bank numbers never reach the portal: new methods are entered on Stripe's Checkout
page (redirect mode; setup mode only saves a method). A stored method's token is
"<customer id>:<payment method id>", the two ids an off-session charge needs.
stripe-python 16 objects are not dicts: read them with ["key"] or .to_dict().
"""

from __future__ import annotations

import logging
import re
from typing import Any

import stripe

from portal_app.integrations.payments.base import (
    N_,
    BankDetails, CardDetails, ChargeResult, CheckoutSession, GatewayBusy, GatewayDeclined, GatewayMisconfigured,
    GatewayUnavailable, Tokenized,
)

log = logging.getLogger("portal.payments.stripe")

BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
GENERIC_DECLINE = N_("Your card was declined by your bank. Try another card or call your bank.")
NEEDS_AUTHENTICATION = N_("Your bank asks you to confirm this payment yourself. Sign in, open Make a Payment and pay "
                          "with this card: your bank will ask you to confirm it.")
# Stripe's decline_code (more precise) first, then its error code.
DECLINE_WORDS = {
    "insufficient_funds": N_("Your card was declined for insufficient funds. Try another card."),
    "expired_card": N_("Your card has expired. Use another card."),
    "incorrect_cvc": N_("The security code was not accepted. Check it or use another card."),
    "incorrect_number": N_("The card number was not accepted. Check it or use another card."),
    "lost_card": GENERIC_DECLINE,
    "stolen_card": GENERIC_DECLINE,
    "card_velocity_exceeded": N_("Your card has reached its spending limit. Try another card or call your bank."),
    "processing_error": N_("Your bank could not process the card just now. Try again in a few minutes."),
    "authentication_required": NEEDS_AUTHENTICATION,
    "card_declined": GENERIC_DECLINE,
    "bank_account_declined": N_("Your bank declined the debit. Use another bank account or a card."),
    "debit_not_authorized": N_("Your bank says this debit is not authorized. Use another payment method."),
    "account_closed": N_("That bank account is closed. Use another bank account or a card."),
    "payment_method_unactivated": N_("That bank account is not verified yet. Check your bank for two small deposits."),
}
MICRODEPOSITS = N_("Your bank account still needs verifying: Stripe sends two small deposits (or a code) to it in "
                   "1-2 business days. Follow the link in Stripe's email to confirm them; the payment then goes through.")
METHOD_GONE = N_("That stored card or bank account is no longer available. Add it again or use another method.")
CANCELED = N_("The payment was cancelled before it was completed. Nothing was charged.")


def decline_words(code: str) -> str:
    return DECLINE_WORDS.get(code or "", GENERIC_DECLINE)


def statement_suffix(short_name: str) -> str:
    """A card statement descriptor suffix from the theme: Latin letters, digits and spaces, at most 10."""
    cleaned = re.sub(r"[^A-Za-z0-9 ]", "", short_name).strip().upper()
    return cleaned[:10].strip()


class StripeGateway:
    name = "stripe"
    hosted_collection = True  # new cards and bank accounts go through Stripe Checkout

    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str = "", currency: str = "usd",
                 statement_suffix: str = "", max_network_retries: int = 2, localstripe: bool = False) -> None:
        options: dict[str, Any] = {"base_addresses": {"api": api_base}} if api_base else {}
        self.client = stripe.StripeClient(secret_key, max_network_retries=max_network_retries, **options)
        self.webhook_secret = webhook_secret
        self.currency = currency.lower()
        self.statement_suffix = statement_suffix
        # localstripe (the fake Stripe server some tests use) refuses `description`,
        # `statement_descriptor_suffix` and a refund `reason`; real Stripe takes them.
        self.localstripe = localstripe

    @classmethod
    def from_settings(cls, settings: Any) -> StripeGateway:
        from portal_app.theming import current_theme

        if not settings.stripe_secret_key:
            raise RuntimeError("PORTAL_PAYMENTS=stripe needs PORTAL_STRIPE_SECRET_KEY")
        theme = current_theme()
        return cls(secret_key=settings.stripe_secret_key, webhook_secret=settings.stripe_webhook_secret,
                   api_base=settings.stripe_api_base, currency=theme.currency,
                   statement_suffix=statement_suffix(theme.short_name))

    @property
    def offers_ach(self) -> bool:
        """ACH (us_bank_account) debits exist only in US dollars."""
        return self.currency == "usd"

    # --- new methods: only through Stripe's hosted pages ------------------------------------

    def tokenize_card(self, card: CardDetails) -> Tokenized:
        raise RuntimeError("With Stripe, card details are entered on Stripe's Checkout page, never in the portal")

    def tokenize_bank(self, bank: BankDetails) -> Tokenized:
        raise RuntimeError("With Stripe, bank details are entered on Stripe's Checkout page, never in the portal")

    def create_customer(self, *, account_number: str, name: str, email: str | None) -> str:
        """The account's one Stripe Customer; the key makes a retried creation return the same one."""
        params: dict[str, Any] = {"name": name, "metadata": {"account_number": account_number}}
        if email:
            params["email"] = email
        return self._call(lambda: self.client.v1.customers.create(
            params=params, options={"idempotency_key": f"customer-{account_number}"}))["id"]

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
            # Cards include Apple Pay and Google Pay on Checkout wherever the provider's Stripe
            # account has them turned on; no code of ours ever sees wallet data.
            "payment_method_types": ["us_bank_account"] if kind == "ach" else ["card"],
            "metadata": metadata,
        }
        if kind == "ach" and not self.offers_ach:
            raise GatewayMisconfigured("ACH bank debits are only offered in US dollars")
        if mode == "payment":
            params["line_items"] = [{"price_data": {"currency": self.currency, "unit_amount": amount_cents,
                                                    "product_data": {"name": description}}, "quantity": 1}]
            intent_data: dict[str, Any] = {"metadata": metadata, "description": description}
            if save:
                intent_data["setup_future_usage"] = "off_session"
            if kind == "card" and self.statement_suffix:
                intent_data["statement_descriptor_suffix"] = self.statement_suffix
            params["payment_intent_data"] = intent_data
        else:
            params["currency"] = self.currency
            params["setup_intent_data"] = {"metadata": metadata}
        session = self._call(lambda: self.client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"checkout-{attempt_key}"}))
        return CheckoutSession(id=session["id"], url=session["url"])

    def describe(self, *, customer: str, payment_method_id: str) -> Tokenized:
        """What the portal keeps of a method Stripe collected: token, brand or bank, last 4, expiry."""
        method = self._call(lambda: self.client.v1.payment_methods.retrieve(payment_method_id)).to_dict()
        return self.tokenized(method, customer=customer)

    @staticmethod
    def tokenized(method: dict, *, customer: str = "") -> Tokenized:
        """A PaymentMethod object (from the API or an event) as the portal keeps it."""
        token = f"{customer or method.get('customer') or ''}:{method['id']}"
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

    def charge_params(self, *, token: str, kind: str, amount_cents: int, idempotency_key: str,
                      description: str) -> dict[str, Any]:
        """The PaymentIntent body. Built only from the payment's own record, so a reconciling
        retry sends exactly the first body under the same key (Stripe refuses a changed body)."""
        customer, _, method = token.partition(":")
        params: dict[str, Any] = {
            "amount": amount_cents, "currency": self.currency, "customer": customer, "payment_method": method,
            "off_session": True, "confirm": True,
            "payment_method_types": ["us_bank_account"] if kind == "ach" else ["card"],
            "metadata": {"attempt_key": idempotency_key},
        }
        if not self.localstripe:
            params["description"] = description
            if kind == "card" and self.statement_suffix:
                params["statement_descriptor_suffix"] = self.statement_suffix
        return params

    def charge(self, *, token: str, kind: str, amount_cents: int, idempotency_key: str, description: str) -> ChargeResult:
        if kind == "ach" and not self.offers_ach:
            raise GatewayMisconfigured("ACH bank debits are only offered in US dollars")
        params = self.charge_params(token=token, kind=kind, amount_cents=amount_cents,
                                    idempotency_key=idempotency_key, description=description)
        intent = self._call(lambda: self.client.v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}))
        return self._result(intent.to_dict())

    def find_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        """The PaymentIntent made under this attempt key, found by its metadata (for attempts older
        than Stripe's 24-hour idempotency window); None when Stripe has none."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", idempotency_key):
            return None
        found = self._call(lambda: self.client.v1.payment_intents.search(
            params={"query": f"metadata['attempt_key']:'{idempotency_key}'", "limit": 1})).to_dict()
        rows = found.get("data") or []
        if not rows:
            return None
        try:
            return self._result(rows[0])
        except GatewayDeclined as refusal:
            return ChargeResult(status="failed", reference=rows[0]["id"], note=str(refusal))

    def settlement_status(self, *, reference: str) -> str:
        return self.intent_outcome(self.retrieve_intent("payment", reference))

    def intent_outcome(self, intent: dict) -> str:
        """pending | succeeded | failed:<reason>, from a PaymentIntent's own status."""
        try:
            result = self._result(intent)
        except GatewayDeclined as refusal:
            return f"failed:{refusal}"
        return result.status

    def checkout_outcome(self, *, session_id: str) -> tuple[str, str]:
        """(pending | succeeded | failed:<reason>, PaymentIntent id) of a Checkout Session in payment mode."""
        session = self._call(lambda: self.client.v1.checkout.sessions.retrieve(session_id)).to_dict()
        intent_id = session.get("payment_intent") or ""
        if isinstance(intent_id, dict):
            intent_id = intent_id.get("id") or ""
        if session.get("status") == "expired":
            return "failed:The payment page was not completed. Nothing was charged.", intent_id
        if session.get("status") == "complete" and session.get("payment_status") in ("paid", "no_payment_required"):
            return "succeeded", intent_id
        if session.get("status") == "complete" and intent_id:
            return self.settlement_status(reference=intent_id), intent_id
        return "pending", intent_id

    def _result(self, intent: dict) -> ChargeResult:
        """A PaymentIntent's status as the portal's outcome (Stripe's documented states)."""
        status, intent_id = intent["status"], intent["id"]
        if status == "succeeded":
            return ChargeResult(status="succeeded", reference=intent_id)
        if status == "processing":
            return ChargeResult(status="pending", reference=intent_id)
        if status == "requires_action":
            action = (intent.get("next_action") or {}).get("type")
            if action == "verify_with_microdeposits":
                return ChargeResult(status="pending", reference=intent_id, note=MICRODEPOSITS)
            raise GatewayDeclined(NEEDS_AUTHENTICATION, code="authentication_required", reference=intent_id,
                                  needs_authentication=True)
        if status == "requires_payment_method":
            error = intent.get("last_payment_error") or {}
            code = error.get("decline_code") or error.get("code") or "card_declined"
            raise GatewayDeclined(decline_words(code), code=code, reference=intent_id,
                                  needs_authentication=code == "authentication_required")
        if status == "canceled":
            raise GatewayDeclined(CANCELED, code="canceled", reference=intent_id)
        # requires_confirmation / requires_capture never follow our confirmed, automatic-capture
        # requests; keep the payment pending and let reconciliation look again.
        log.error("PaymentIntent %s in unexpected status %s", intent_id, status)
        return ChargeResult(status="pending", reference=intent_id)

    # --- methods and refunds ------------------------------------------------------------------

    def detach(self, *, token: str) -> None:
        _, _, method = token.partition(":")
        if not method:
            return
        try:
            self._call(lambda: self.client.v1.payment_methods.detach(method))
        except GatewayDeclined:
            return  # already gone at Stripe (resource_missing / not attached): nothing left to detach

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str, reason: str) -> tuple[str, str]:
        params: dict[str, Any] = {"payment_intent": reference, "amount": amount_cents,
                                  "metadata": {"refund_key": idempotency_key, "reason": reason[:200]}}
        if not self.localstripe:
            params["reason"] = "requested_by_customer"
        refund = self._call(lambda: self.client.v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key})).to_dict()
        status = refund.get("status") or "pending"
        return refund["id"], {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(status, "pending")

    def refunds_for(self, *, reference: str) -> list[dict]:
        """Every refund of a PaymentIntent (a `charge.refunded` event names only the total)."""
        listed = self._call(lambda: self.client.v1.refunds.list(
            params={"payment_intent": reference, "limit": 100})).to_dict()
        return listed.get("data") or []

    # --- errors -----------------------------------------------------------------------------------

    @staticmethod
    def _call(request):
        """Every stripe-python error class as one of the portal's outcomes."""
        try:
            return request()
        except stripe.CardError as error:
            details = error.error
            code = (getattr(details, "decline_code", None) or error.code or "card_declined") if details else (error.code or "card_declined")
            intent = getattr(details, "payment_intent", None) if details else None
            reference = intent["id"] if intent else ""
            raise GatewayDeclined(decline_words(code), code=code, reference=reference,
                                  needs_authentication=code == "authentication_required") from None
        except stripe.RateLimitError as error:
            log.warning("Stripe rate limit: %s", error.user_message)
            raise GatewayBusy("The payment processor is busy. Nothing was charged; try again in a minute.") from None
        except stripe.IdempotencyError as error:
            # The key was used with another body: the first request may have charged. Keep it pending.
            log.error("Stripe idempotency error (a changed body under a reused key): %s", error.user_message)
            raise GatewayUnavailable(str(error)) from None
        except (stripe.APIConnectionError, stripe.APIError) as error:
            log.warning("Stripe outcome unknown (%s): %s", type(error).__name__, error.user_message)
            raise GatewayUnavailable(str(error)) from None
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing" and error.param in ("payment_method", "customer", "source", "id"):
                raise GatewayDeclined(METHOD_GONE, code="resource_missing") from None
            log.error("Stripe refused a request as invalid (param %s, code %s): %s", error.param, error.code,
                      error.user_message)
            raise GatewayMisconfigured(error.user_message or "invalid request") from None
        except (stripe.AuthenticationError, stripe.PermissionError) as error:
            log.critical("Stripe refused the portal's API key (%s): %s", type(error).__name__, error.user_message)
            raise GatewayMisconfigured(error.user_message or "authentication") from None
        except stripe.StripeError as error:
            if error.http_status is None or error.http_status >= 500:
                log.error("Stripe error with unknown outcome (%s): %s", type(error).__name__, error.user_message)
                raise GatewayUnavailable(str(error)) from None
            log.error("Stripe refused a request (%s): %s", type(error).__name__, error.user_message)
            raise GatewayMisconfigured(error.user_message or type(error).__name__) from None

    # --- webhooks -------------------------------------------------------------------------------

    def verify_event(self, payload: bytes, signature: str) -> dict:
        """The event as a dict, if the signature is Stripe's; raises ValueError otherwise."""
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except stripe.SignatureVerificationError as error:
            raise ValueError(str(error)) from None
        return event.to_dict()
