"""Money pages' handlers as public endpoints: another account's ids are not found, forms validate,
Quick Pay answers the same for unknown and mismatched accounts and is rate limited."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from factories import call, make_invoice, make_subscriber
from sqlmodel import Session, select
from test_states import app_db, load_home, page_state, signed_in_cookie  # noqa: F401  (fixtures and helpers)

from portal_app.integrations.payments import use_gateway
from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.models import Payment, PaymentMethod, RecurringPayment
from portal_app.services.billing import quickpay
from portal_app.state.autopay import AutoPayState
from portal_app.state.home_billing import HomeBillingState
from portal_app.state.payment import PaymentState
from portal_app.state.quickpay import QuickPayState
from portal_app.state.statements import InvoicesState


@pytest.fixture
def gateway():
    sandbox = SandboxGateway()
    use_gateway(sandbox)
    yield sandbox
    use_gateway(None)


def run(handler, state, *args) -> list:
    async def collect() -> list:
        result = handler.fn(state, *args)
        if hasattr(result, "__aiter__"):
            return [update async for update in result]
        if asyncio.iscoroutine(result):
            return [await result]
        return [result]

    return asyncio.run(collect())


def _with_autopay(db: Session, sub) -> RecurringPayment:
    method = PaymentMethod(account_id=sub.account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_ok_1",
                           brand="Visa", last4="4242", exp_month=1, exp_year=2031)
    db.add(method)
    db.flush()
    recurring = RecurringPayment(account_id=sub.account.id, payment_method_id=method.id)
    db.add(recurring)
    db.commit()
    return recurring


def test_autopay_handlers_refuse_another_accounts_recurring_payment(app_db: str, db: Session) -> None:  # noqa: F811
    me, stranger = make_subscriber(db), make_subscriber(db)
    theirs = _with_autopay(db, stranger)
    state = page_state(AutoPayState, "/autopay", cookie=signed_in_cookie(db, me))
    call(AutoPayState.load, state)
    assert state.items == []
    call(AutoPayState.toggle_history, state, theirs.id)
    assert state.error == "That recurring payment could not be found." and state.charges == []
    state.removing_id = theirs.id  # a modified client can send anything
    call(AutoPayState.confirm_remove, state)
    assert "could not be found" in state.error
    state.editing_id, state.choice = theirs.id, str(theirs.payment_method_id)
    call(AutoPayState.save_edit, state, {})
    assert "could not be found" in state.error
    db.expire_all()
    assert db.get(RecurringPayment, theirs.id).cancelled_at is None


def test_autopay_lock_explains_and_blocks_edit_and_remove(app_db: str, db: Session) -> None:  # noqa: F811
    from portal_app.models import ProviderSettings

    me = make_subscriber(db)
    mine = _with_autopay(db, me)
    db.add(ProviderSettings(lock_recurring_edit=True, recurring_lock_reason="AutoPay is part of your contract."))
    db.commit()
    state = page_state(AutoPayState, "/autopay", cookie=signed_in_cookie(db, me))
    call(AutoPayState.load, state)
    assert state.lock_reason == "AutoPay is part of your contract."
    state.removing_id = mine.id
    call(AutoPayState.confirm_remove, state)
    assert state.error == "AutoPay is part of your contract."
    db.expire_all()
    assert db.get(RecurringPayment, mine.id).cancelled_at is None


def test_make_payment_ignores_another_accounts_method_and_validates_fields(app_db: str, db: Session, gateway) -> None:  # noqa: F811
    me, stranger = make_subscriber(db), make_subscriber(db)
    make_invoice(db, me.account, 4000)
    theirs = _with_autopay(db, stranger)
    state = page_state(PaymentState, "/pay", cookie=signed_in_cookie(db, me))
    call(PaymentState.load, state)
    assert state.amount == "40.00" and state.balance_text == "$40.00"
    PaymentState.choose_method.fn(state, f"pm:{theirs.payment_method_id}")
    assert state.method_choice == "card"
    run(PaymentState.submit, state, {"amount": "abc", "card_number": "42", "expiry": "13/99", "cvc": "1"})
    assert set(state.errors) == {"amount", "card_number", "expiry", "cvc"}
    state.method_choice = f"pm:{theirs.payment_method_id}"  # forged past the dropdown
    run(PaymentState.submit, state, {"amount": "40.00"})
    assert state.form_error == "That payment method could not be found." and not state.done
    assert gateway.charges == []


def test_make_payment_double_submit_charges_once(app_db: str, db: Session, gateway) -> None:  # noqa: F811
    me = make_subscriber(db)
    make_invoice(db, me.account, 4000)
    cookie = signed_in_cookie(db, me)
    state = page_state(PaymentState, "/pay", cookie=cookie)
    call(PaymentState.load, state)
    form = {"amount": "40.00", "card_number": "4242424242424242", "expiry": "12/31", "cvc": "123"}
    run(PaymentState.submit, state, form)
    assert state.done and state.done_balance == "$0.00"
    state.done = False  # a second tap arriving from a stale client
    run(PaymentState.submit, state, form)
    assert len(gateway.charges) == 1
    assert len(db.exec(select(Payment)).all()) == 1


def test_home_billing_offers_pay_bill_and_create_autopay(app_db: str, db: Session) -> None:  # noqa: F811
    me = make_subscriber(db)
    make_invoice(db, me.account, 4000)
    db.commit()
    state = page_state(HomeBillingState, "/", cookie=signed_in_cookie(db, me))
    load_home(state)
    assert state.bill_due and not state.autopay_on
    _with_autopay(db, me)
    load_home(state)
    assert state.autopay_on and state.autopay_label == "Visa •••• 4242"


def test_invoices_page_without_session_shows_nothing(app_db: str, db: Session) -> None:  # noqa: F811
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    db.commit()
    state = page_state(InvoicesState, "/invoices")
    call(InvoicesState.load, state)
    assert state.invoices == []


def test_quick_pay_same_answer_for_unknown_and_mismatch_then_rate_limited(app_db: str, db: Session) -> None:  # noqa: F811
    sub = make_subscriber(db, last_name="Okafor")
    make_invoice(db, sub.account, 8437, due_on=dt.date(2026, 3, 21))
    db.commit()
    state = page_state(QuickPayState, "/quickpay")
    call(QuickPayState.load, state)
    call(QuickPayState.identify, state, {"account_number": "000000000", "name_or_zip": "Okafor"})
    unknown = state.error
    call(QuickPayState.identify, state, {"account_number": sub.account.account_number, "name_or_zip": "Smith"})
    assert state.error == unknown == quickpay.NO_MATCH and state.step == "identify"
    call(QuickPayState.identify, state, {"account_number": sub.account.account_number, "name_or_zip": " okafor "})
    assert state.step == "pay" and state.amount_due == "$84.37" and state.masked_name == "A** O*****"
    for _ in range(5):
        call(QuickPayState.identify, state, {"account_number": "111111111", "name_or_zip": "x"})
    call(QuickPayState.identify, state, {"account_number": sub.account.account_number, "name_or_zip": "okafor"})
    assert state.error == quickpay.TOO_MANY


def test_quick_pay_links_expire_and_reject_tampering(db: Session) -> None:
    sub = make_subscriber(db)
    db.commit()
    token = quickpay.link_token(sub.account.account_number)
    assert quickpay.identify_by_link(db, token=token).account_id == sub.account.id
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    with pytest.raises(quickpay.QuickPayRefused):
        quickpay.identify_by_link(db, token=token, now=later)
    head, body, signature = token.split(".")
    with pytest.raises(quickpay.QuickPayRefused):
        quickpay.identify_by_link(db, token=f"{head}.{body}.{signature[:-2]}AA")
    old = quickpay.link_token(sub.account.account_number, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=31))
    with pytest.raises(quickpay.QuickPayRefused):
        quickpay.identify_by_link(db, token=old)


class FakeCheckoutGateway:
    """Stands in for Stripe where only the hand-off to Checkout matters."""

    name = "stripe"
    hosted_collection = True

    def __init__(self) -> None:
        self.sessions: list[dict] = []

    def create_customer(self, **_: object) -> str:
        return "cus_fake"

    def create_checkout(self, **params):
        from portal_app.integrations.payments import CheckoutSession

        self.sessions.append(params)
        return CheckoutSession(id="cs_fake", url="https://checkout.stripe.test/cs_fake")


def test_with_hosted_collection_new_cards_go_to_checkout(app_db: str, db: Session) -> None:  # noqa: F811
    fake = FakeCheckoutGateway()
    use_gateway(fake)
    try:
        me = make_subscriber(db)
        make_invoice(db, me.account, 4000)
        state = page_state(PaymentState, "/pay", cookie=signed_in_cookie(db, me))
        call(PaymentState.load, state)
        assert state.hosted
        updates = run(PaymentState.submit, state, {"amount": "40.00", "card_number": "4242424242424242"})
        redirect = [u for u in updates if u is not None][-1]
        assert "checkout.stripe.test" in str(redirect)
        assert fake.sessions[0]["amount_cents"] == 4000 and "card_number" not in str(fake.sessions[0])
        payment = db.exec(select(Payment)).one()
        assert payment.status == "pending" and payment.gateway == "stripe"
    finally:
        use_gateway(None)


def test_stored_method_removal_is_scoped_and_kept_while_autopay_uses_it(app_db: str, db: Session) -> None:  # noqa: F811
    from portal_app.models import AccountHistory

    me, stranger = make_subscriber(db), make_subscriber(db)
    mine = _with_autopay(db, me)
    theirs = _with_autopay(db, stranger)
    state = page_state(AutoPayState, "/autopay", cookie=signed_in_cookie(db, me))
    call(AutoPayState.load, state)
    AutoPayState.ask_forget.fn(state, str(theirs.payment_method_id))
    run(AutoPayState.confirm_forget, state)
    assert "could not be found" in state.error
    AutoPayState.ask_forget.fn(state, str(mine.payment_method_id))
    run(AutoPayState.confirm_forget, state)
    assert "Change or remove AutoPay first" in state.error
    state.removing_id = mine.id
    call(AutoPayState.confirm_remove, state)
    AutoPayState.ask_forget.fn(state, str(mine.payment_method_id))
    run(AutoPayState.confirm_forget, state)
    assert state.notice == "Payment method removed." and state.method_options == []
    db.expire_all()
    assert db.get(PaymentMethod, mine.payment_method_id).removed_at is not None
    assert db.get(PaymentMethod, theirs.payment_method_id).removed_at is None
    assert db.exec(select(AccountHistory).where(AccountHistory.action == "removed",
                                                AccountHistory.kind == "payment_method")).one()
