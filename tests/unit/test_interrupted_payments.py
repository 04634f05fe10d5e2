"""A payment tap never silently vanishes (issue 19): when the worker making a payment stops (or the
processor's answer is lost), the Make a Payment page shows what became of it on the next load:
received (recorded once), still being confirmed, or not charged; never a fresh form that hides it."""

from __future__ import annotations

import pytest
from factories import call, make_invoice, make_subscriber
from sqlmodel import Session, select
from test_money_states import run
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (fixtures and helpers)

from portal_app.integrations.payments import CardDetails, GatewayUnavailable, use_gateway
from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.models import Account, AccountHistory, OutboxMail, Payment, PaymentMethod
from portal_app.services.billing import billing, payments
from portal_app.state.payment import NOT_MADE, PaymentState

VISA = CardDetails(number="4242424242424242", exp_month=12, exp_year=2031, cvc="123")
CARD_FORM = {"amount": "40.00", "card_number": "4242424242424242", "expiry": "12/31", "cvc": "123"}


class WorkerStopped(BaseException):
    """The process ends here: nothing after this point runs (not an Exception, so nothing catches it)."""


class StopsWorker(SandboxGateway):
    """A sandbox whose worker stops just before the charge request, or just after the processor
    made the charge (its answer lost on the way back)."""

    def __init__(self, *, when: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.when = when

    def charge(self, **kwargs):
        if self.when == "before":
            raise WorkerStopped()
        result = super().charge(**kwargs)
        if self.when == "after":
            raise WorkerStopped()
        return result


class Unreachable(SandboxGateway):
    """The processor cannot be reached: no answer either way."""

    def find_charge(self, *, idempotency_key: str):
        raise GatewayUnavailable("connection reset")

    def charge(self, **kwargs):
        raise GatewayUnavailable("connection reset")


@pytest.fixture
def ledger(tmp_path) -> str:
    """The processor's books, shared by every worker (two SandboxGateway objects on one file)."""
    return str(tmp_path / "sandbox-ledger.sqlite")


def _interrupted(db: Session, sub, *, when: str, ledger: str, method=None) -> str:
    """Start a payment on a worker that stops `when`; returns the attempt key the tab holds."""
    key = payments.new_attempt_key()
    with pytest.raises(WorkerStopped):
        payments.pay(db, principal=sub.principal, amount_cents=4000, method=method or payments.NewCard(VISA),
                     attempt_key=key, expected_balance_cents=4000, gateway=StopsWorker(when=when, ledger_path=ledger))
    db.rollback()
    return key


def _payment_history(db: Session, account_id: int) -> list[str]:
    return [row.action for row in db.exec(select(AccountHistory).where(AccountHistory.account_id == account_id,
                                                                      AccountHistory.kind == "payment")
                                          .order_by(AccountHistory.id))]


# --- the service ------------------------------------------------------------------------------


def test_a_charge_made_before_the_worker_stopped_is_recorded_once(db: Session, ledger: str) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    key = _interrupted(db, sub, when="after", ledger=ledger)
    other_worker = SandboxGateway(ledger_path=ledger)
    assert [p.status for p in db.exec(select(Payment))] == ["pending"] and len(other_worker.charges) == 1

    outcome = payments.attempt_outcome(db, principal=sub.principal, attempt_key=key, gateway=other_worker)
    assert outcome.status == "succeeded" and outcome.new_balance_cents == 0 and outcome.amount_cents == 4000
    again = payments.attempt_outcome(db, principal=sub.principal, attempt_key=key, gateway=other_worker)
    assert again == outcome  # asking twice records nothing twice
    assert len(other_worker.charges) == 1
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    assert _payment_history(db, sub.account.id).count("succeeded") == 1
    assert len([m for m in db.exec(select(OutboxMail)) if "receipt" in m.subject]) == 1
    assert db.get(Account, sub.account.id).payment_claim is None  # the account is free to pay again


def test_an_attempt_whose_charge_was_never_sent_fails_with_nothing_charged(db: Session, ledger: str) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    key = _interrupted(db, sub, when="before", ledger=ledger)
    other_worker = SandboxGateway(ledger_path=ledger)

    outcome = payments.attempt_outcome(db, principal=sub.principal, attempt_key=key, gateway=other_worker)
    assert outcome.status == "failed" and "Nothing was charged" in outcome.reason
    assert other_worker.charges == [] and billing.balance_cents(db, account_id=sub.account.id) == 4000
    assert db.exec(select(Payment)).one().status == "failed"


def test_a_stored_method_attempt_is_completed_under_its_own_key_once(db: Session, ledger: str) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    method = PaymentMethod(account_id=sub.account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_ok_1",
                           brand="Visa", last4="4242", exp_month=1, exp_year=2031)
    db.add(method)
    db.commit()
    key = _interrupted(db, sub, when="before", ledger=ledger, method=payments.StoredMethod(method.id))
    other_worker = SandboxGateway(ledger_path=ledger)

    # The subscriber asked for this payment and it was recorded: sent again under the same key it is
    # made once (a processor answers a repeated key with the first result).
    outcome = payments.attempt_outcome(db, principal=sub.principal, attempt_key=key, gateway=other_worker)
    assert outcome.status == "succeeded"
    payments.attempt_outcome(db, principal=sub.principal, attempt_key=key, gateway=SandboxGateway(ledger_path=ledger))
    assert other_worker.charges == [(key, 4000)]


def test_an_unknown_answer_stays_pending_and_holds_the_account(db: Session, ledger: str) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    key = _interrupted(db, sub, when="after", ledger=ledger)
    outcome = payments.attempt_outcome(db, principal=sub.principal, attempt_key=key, gateway=Unreachable())
    assert outcome.status == "pending" and not outcome.settling
    assert db.exec(select(Payment)).one().status == "pending"
    # Once the processor answers, the same question records it.
    later = payments.attempt_outcome(db, principal=sub.principal, attempt_key=key,
                                     gateway=SandboxGateway(ledger_path=ledger))
    assert later.status == "succeeded"


def test_no_payment_recorded_means_nothing_to_show_and_another_accounts_key_is_not_found(
        db: Session, ledger: str) -> None:
    me, other = make_subscriber(db), make_subscriber(db)
    make_invoice(db, other.account, 4000)
    theirs = _interrupted(db, other, when="after", ledger=ledger)
    gateway = SandboxGateway(ledger_path=ledger)
    assert payments.attempt_outcome(db, principal=me.principal, attempt_key=payments.new_attempt_key(),
                                    gateway=gateway) is None
    assert payments.attempt_outcome(db, principal=me.principal, attempt_key=theirs, gateway=gateway) is None
    assert db.exec(select(Payment)).one().status == "pending"  # untouched by the stranger's question


def test_workers_share_the_sandbox_ledger(ledger: str) -> None:
    first, second = SandboxGateway(ledger_path=ledger), SandboxGateway(ledger_path=ledger)
    made = first.charge(token="pm_sandbox_ok_1", kind="card", amount_cents=500, idempotency_key="pay_k", description="")
    again = second.charge(token="pm_sandbox_ok_1", kind="card", amount_cents=500, idempotency_key="pay_k",
                          description="")
    assert made == again and second.find_charge(idempotency_key="pay_k") == made
    assert first.charges == second.charges == [("pay_k", 500)]
    assert second.find_charge(idempotency_key="pay_other") is None


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def shared_gateway(ledger: str):
    gateway = SandboxGateway(ledger_path=ledger)
    use_gateway(gateway)
    yield gateway
    use_gateway(None)


def _tab(db: Session, sub) -> PaymentState:
    state = page_state(PaymentState, "/pay", cookie=signed_in_cookie(db, sub))
    call(PaymentState.load, state)
    return state


def _reload(state: PaymentState, *, tapped: bool) -> None:
    """The tab reconnects to another worker: its state as last saved, plus what the browser marked."""
    state.done = False
    state.pay_tapped = state.attempt_ref if tapped else ""
    call(PaymentState.load, state)


def test_the_page_shows_a_payment_received_after_its_worker_stopped(app_db: str, db: Session, ledger: str,  # noqa: F811
                                                                    shared_gateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _tab(db, sub)
    key = state._attempt_key
    with pytest.raises(WorkerStopped):
        payments.pay(db, principal=sub.principal, amount_cents=4000, method=payments.NewCard(VISA), attempt_key=key,
                     expected_balance_cents=4000, gateway=StopsWorker(when="after", ledger_path=ledger))
    db.rollback()
    _reload(state, tapped=True)
    assert state.done and not state.done_pending and not state.done_confirming
    assert state.done_amount == "$40.00" and state.done_balance == "$0.00" and state.done_receipt
    assert state._attempt_key != key and state.pay_tapped == ""  # shown once: the next visit is a new payment
    _reload(state, tapped=False)
    assert not state.done and state.form_error == ""
    assert len(shared_gateway.charges) == 1


def test_a_tap_that_never_reached_a_worker_says_nothing_was_charged(app_db: str, db: Session,  # noqa: F811
                                                                    shared_gateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _tab(db, sub)
    _reload(state, tapped=True)
    assert not state.done and state.form_error == NOT_MADE and state.amount == "40.00"
    assert db.exec(select(Payment)).all() == [] and shared_gateway.charges == []
    _reload(state, tapped=False)  # a page opened afresh says nothing of the kind
    assert state.form_error == ""


def test_a_tap_mark_from_another_form_is_not_taken_for_this_one(app_db: str, db: Session,  # noqa: F811
                                                              shared_gateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _tab(db, sub)
    state.pay_tapped = "0123456789abcdef"  # an older form's mark, or a forged one
    state.done = False
    call(PaymentState.load, state)
    assert state.form_error == ""


def test_an_attempt_never_charged_shows_the_form_with_why(app_db: str, db: Session, ledger: str,  # noqa: F811
                                                          shared_gateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _tab(db, sub)
    with pytest.raises(WorkerStopped):
        payments.pay(db, principal=sub.principal, amount_cents=4000, method=payments.NewCard(VISA),
                     attempt_key=state._attempt_key, expected_balance_cents=4000,
                     gateway=StopsWorker(when="before", ledger_path=ledger))
    db.rollback()
    _reload(state, tapped=True)
    assert not state.done and "did not go through" in state.form_error and "Nothing was charged" in state.form_error
    assert state.balance_text == "$40.00" and shared_gateway.charges == []


def test_an_answer_still_unknown_says_still_being_confirmed_until_it_is_known(app_db: str, db: Session,  # noqa: F811
                                                                              ledger: str) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    use_gateway(Unreachable())
    try:
        state = _tab(db, sub)
        run(PaymentState.submit, state, CARD_FORM)
        assert not state.done and "pending" in state.form_error
        key = state._attempt_key
        _reload(state, tapped=False)
        assert state.done and state.done_confirming and state._attempt_key == key
    finally:
        use_gateway(None)
    # The processor answers: it has no charge under the key, so nothing was taken.
    use_gateway(SandboxGateway(ledger_path=ledger))
    try:
        _reload(state, tapped=False)
        assert not state.done and "did not go through" in state.form_error
    finally:
        use_gateway(None)


def test_a_payment_shown_on_the_page_is_not_shown_again(app_db: str, db: Session, shared_gateway) -> None:  # noqa: F811
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _tab(db, sub)
    state.pay_tapped = state.attempt_ref
    run(PaymentState.submit, state, CARD_FORM)
    assert state.done and state.pay_tapped == ""
    _reload(state, tapped=False)
    assert not state.done and state.form_error == "" and state.balance_text == "$0.00"


# --- Quick Pay ----------------------------------------------------------------------------------


def _quick_pay_tab(db: Session, sub):
    from portal_app.state.quickpay import QuickPayState

    db.commit()  # the page's own connection writes (rate-limit buckets) while this session stays open
    state = page_state(QuickPayState, "/quickpay")
    call(QuickPayState.load, state)
    call(QuickPayState.identify, state, {"account_number": sub.account.account_number,
                                         "name_or_zip": sub.account.last_name})
    assert state.step == "pay"
    return state


def _reload_quick_pay(state, *, tapped: bool) -> None:
    from portal_app.state.quickpay import QuickPayState

    state.pay_tapped = state.attempt_ref if tapped else ""
    call(QuickPayState.load, state)


def test_quick_pay_shows_a_payment_received_after_its_worker_stopped(app_db: str, db: Session, ledger: str,  # noqa: F811
                                                                     shared_gateway) -> None:
    from portal_app.services.billing import quickpay

    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _quick_pay_tab(db, sub)
    with pytest.raises(WorkerStopped):
        payments.pay(db, principal=quickpay.principal_for(sub.account.id), amount_cents=4000,
                     method=payments.NewCard(VISA), attempt_key=state._attempt_key, expected_balance_cents=4000,
                     source="quickpay", gateway=StopsWorker(when="after", ledger_path=ledger))
    db.rollback()
    _reload_quick_pay(state, tapped=True)
    assert state.step == "done" and not state.done_pending and state.done_amount == "$40.00"
    assert billing.balance_cents(db, account_id=sub.account.id) == 0 and len(shared_gateway.charges) == 1
    _reload_quick_pay(state, tapped=False)
    assert state.step == "identify" and state.error == ""


def test_quick_pay_tap_that_never_reached_a_worker_says_nothing_was_charged(app_db: str, db: Session,  # noqa: F811
                                                                            shared_gateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _quick_pay_tab(db, sub)
    _reload_quick_pay(state, tapped=True)
    assert state.step == "identify" and state.error == NOT_MADE
    assert db.exec(select(Payment)).all() == [] and shared_gateway.charges == []


def test_quick_pay_payment_shown_is_not_shown_again(app_db: str, db: Session, shared_gateway) -> None:  # noqa: F811
    from portal_app.state.quickpay import QuickPayState

    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _quick_pay_tab(db, sub)
    state.pay_tapped = state.attempt_ref
    run(QuickPayState.pay, state, CARD_FORM)
    assert state.step == "done" and state.pay_tapped == ""
    _reload_quick_pay(state, tapped=False)
    assert state.step == "identify" and state.error == ""


def test_an_open_hosted_page_is_left_to_decide_its_payment(app_db: str, db: Session,  # noqa: F811
                                                           shared_gateway) -> None:
    """A Checkout page still open at the processor (the subscriber may be on it, or came back with
    Cancel): the page offers a new payment rather than 'still being confirmed' for a day."""
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 4000)
    state = _tab(db, sub)
    db.add(Payment(account_id=sub.account.id, receipt_number="RCP-H-1", amount_cents=4000, status="pending",
                   method_kind="card", method_label="Card", gateway="stripe", idempotency_key=state._attempt_key,
                   checkout_session_id="cs_test_open"))
    db.commit()

    _reload(state, tapped=True)
    assert not state.done and state.form_error == "" and state.pending_text == "$40.00 payment pending"
    assert db.exec(select(Payment)).one().status == "pending"  # untouched: Checkout and its webhook decide it
