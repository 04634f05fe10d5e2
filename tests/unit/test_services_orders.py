"""Services, contracts (e-signature, signed PDF) and Order Tracking: services, states and routes."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

import pytest
from factories import call, make_subscriber
from pypdf import PdfReader
from sqlmodel import Session, select
from test_states import app_db, load_home, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

import portal_app.api
from portal_app.models import (
    AccountHistory,
    AccountService,
    Contract,
    Package,
    PackageItem,
    ProviderSettings,
    StaffUser,
    Workflow,
    WorkflowTask,
    WorkflowTaskDependency,
)
from portal_app.services.orders import account_services, contracts, order_tracking, orders
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.principal import Principal
from portal_app.state.orders import OrdersState
from portal_app.state.services import ContractReminderState, ContractState, ServicesState
from portal_app.state.staff_orders import StaffOrdersState
from portal_app.services.core.formatting import formatter

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

BODY = "TERMS\n\n1. Pay on time.\n\n2. Be kind."


def _staff(db: Session) -> Principal:
    staff = StaffUser(username="jr", email="jr@lumen.example", full_name="Jordan Rivera", password_hash="x", role="admin")
    db.add(staff)
    db.flush()
    return Principal(kind="staff", display_name="Jordan Rivera", staff_user_id=staff.id, staff_role="admin")


def _kinds(db: Session, account_id: int) -> list[tuple[str, str]]:
    rows = db.exec(select(AccountHistory).where(AccountHistory.account_id == account_id).order_by(AccountHistory.id))
    return [(r.kind, r.action) for r in rows]


def _workflow(db: Session, account_id: int, steps, edges) -> tuple[Workflow, dict[str, WorkflowTask]]:
    """steps: (name, sequence, trackable, status); edges: (task, depends_on). Inserted in a scrambled order."""
    workflow = Workflow(account_id=account_id, kind="install", title="Install")
    db.add(workflow)
    db.flush()
    tasks = {}
    for name, sequence, trackable, status in steps:
        task = WorkflowTask(workflow_id=workflow.id, name=name, sequence=sequence, trackable=trackable,
                            portal_name=f"P {name}" if trackable else "", status=status)
        db.add(task)
        db.flush()
        tasks[name] = task
    for task, depends_on in edges:
        db.add(WorkflowTaskDependency(task_id=tasks[task].id, depends_on_task_id=tasks[depends_on].id))
    db.flush()
    return workflow, tasks


DIAMOND = ([("visit", 4, True, "pending"), ("ship", 3, True, "pending"), ("order", 1, True, "completed"),
            ("schedule", 2, True, "pending"), ("qa", 5, False, "pending")],
           [("ship", "order"), ("schedule", "order"), ("visit", "ship"), ("visit", "schedule"), ("qa", "visit")])


# --- Order Tracking -------------------------------------------------------------------------


def test_tracker_follows_dependencies_with_sequence_breaking_ties(db: Session) -> None:
    me = make_subscriber(db)
    _workflow(db, me.account.id, *DIAMOND)
    db.commit()
    [order] = order_tracking.tracked_orders(db, principal=me.principal)
    assert [s.name for s in order.steps] == ["P order", "P schedule", "P ship", "P visit"]  # qa is internal
    assert [s.state for s in order.steps] == ["done", "current", "upcoming", "upcoming"]
    assert order.steps[0].status_label == "Completed" and order.steps[1].status_label == "Not started"


def test_dependencies_win_over_sequence(db: Session) -> None:
    me = make_subscriber(db)
    # "late" has the lowest sequence but waits for "early".
    _workflow(db, me.account.id, [("late", 1, True, "pending"), ("early", 9, True, "pending")], [("late", "early")])
    db.commit()
    [order] = order_tracking.tracked_orders(db, principal=me.principal)
    assert [s.name for s in order.steps] == ["P early", "P late"]


def test_a_task_that_runs_again_never_moves_the_tracker_back_or_shows_twice(db: Session) -> None:
    me = make_subscriber(db)
    staff = _staff(db)
    _, tasks = _workflow(db, me.account.id, *DIAMOND)
    db.commit()
    for name in ("schedule", "ship"):
        orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks[name].id, action="complete")
    db.commit()
    # The shipment comes back and ships again: a loop.
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["ship"].id, action="start")
    db.commit()
    assert tasks["ship"].run_count == 2
    [order] = order_tracking.tracked_orders(db, principal=me.principal)
    assert [s.name for s in order.steps] == ["P order", "P schedule", "P ship", "P visit"]
    assert [s.state for s in order.steps] == ["done", "done", "done", "current"]


def test_completing_the_last_task_closes_the_order_and_writes_history(db: Session) -> None:
    me = make_subscriber(db)
    staff = _staff(db)
    workflow, tasks = _workflow(db, me.account.id, *DIAMOND)
    db.commit()
    orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["qa"].id, action="skip")
    for name in ("schedule", "ship", "visit"):
        orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks[name].id, action="complete")
        db.commit()
    db.refresh(workflow)
    assert workflow.status == "closed" and workflow.closed_at is not None
    assert order_tracking.tracked_orders(db, principal=me.principal, open_only=True) == []
    [order] = order_tracking.tracked_orders(db, principal=me.principal)
    assert not order.open and order.current_name == ""
    assert ("workflow", "closed") in _kinds(db, me.account.id)
    with pytest.raises(PortalError):
        orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=tasks["qa"].id, action="start")


def test_staff_mark_tasks_trackable_with_a_required_portal_name(db: Session) -> None:
    me = make_subscriber(db)
    staff = _staff(db)
    _, tasks = _workflow(db, me.account.id, *DIAMOND)
    db.commit()
    with pytest.raises(FieldErrors) as problem:
        orders.set_trackable(db, principal=staff, account_id=me.account.id, task_id=tasks["qa"].id, trackable=True,
                             portal_name="  ")
    assert "portal_name" in problem.value.errors
    orders.set_trackable(db, principal=staff, account_id=me.account.id, task_id=tasks["qa"].id, trackable=True,
                         portal_name="Quality check", portal_description="We test every room.")
    db.commit()
    [order] = order_tracking.tracked_orders(db, principal=me.principal)
    assert order.steps[-1].name == "Quality check" and order.steps[-1].description == "We test every room."
    assert ("workflow", "task_tracking") in _kinds(db, me.account.id)


def test_another_accounts_order_is_not_found_for_subscribers_and_staff_scoping(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    staff = _staff(db)
    theirs, their_tasks = _workflow(db, them.account.id, *DIAMOND)
    db.commit()
    assert order_tracking.tracked_orders(db, principal=me.principal) == []
    with pytest.raises(NotFound):
        order_tracking.tracked_order(db, principal=me.principal, workflow_id=theirs.id)
    with pytest.raises(NotFound):  # staff working on my account cannot reach their task
        orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=their_tasks["ship"].id,
                            action="complete")
    with pytest.raises(NotFound):  # a subscriber is not staff
        orders.advance_task(db, principal=them.principal, account_id=them.account.id,
                            task_id=their_tasks["ship"].id, action="complete")


# --- services and contracts -----------------------------------------------------------------


def _package(db: Session) -> Package:
    package = Package(code="F1", name="Fiber 1 Gig", monthly_price_cents=7500, download_mbps=1000, upload_mbps=1000)
    db.add(package)
    db.flush()
    db.add(PackageItem(package_id=package.id, name="Router", detail="Included", price_cents=0, sort_order=2))
    db.add(PackageItem(package_id=package.id, name="Fiber 1/1", detail="Unlimited", price_cents=7500, sort_order=1))
    db.flush()
    return package


def test_services_list_packages_with_their_items_and_only_this_account(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    package = _package(db)
    db.add(AccountService(account_id=me.account.id, package_id=package.id, name=package.name, monthly_price_cents=7500))
    db.add(AccountService(account_id=me.account.id, name="Static IP", billable=False))
    db.add(AccountService(account_id=me.account.id, name="Old", status="ended"))
    theirs = AccountService(account_id=them.account.id, name="Theirs")
    db.add(theirs)
    db.commit()
    lines = account_services.account_services(db, principal=me.principal)
    assert [(s.name, s.billable) for s in lines] == [("Fiber 1 Gig", True), ("Static IP", False)]
    assert [i.name for i in lines[0].items] == ["Fiber 1/1", "Router"]
    assert lines[0].speed == "1 Gbps down / 1 Gbps up"
    with pytest.raises(NotFound):
        account_services.service_line(db, principal=me.principal, service_id=theirs.id)


def _contract(db: Session, account_id: int) -> Contract:
    contract = Contract(account_id=account_id, title="Agreement", body_text=BODY, version="2026.1")
    db.add(contract)
    db.flush()
    return contract


def test_signing_validates_and_stores_the_evidence(db: Session) -> None:
    me = make_subscriber(db)
    contract = _contract(db, me.account.id)
    db.commit()
    with pytest.raises(FieldErrors) as problem:
        contracts.sign_contract(db, principal=me.principal, contract_id=contract.id, typed_name="", consent=False,
                                client_ip="203.0.113.9", user_agent="UA")
    assert set(problem.value.errors) == {"signer_name", "consent"}
    db.rollback()
    assert db.get(Contract, contract.id).status == "pending"
    contracts.sign_contract(db, principal=me.principal, contract_id=contract.id, typed_name="  Ada   Lovelace ",
                            consent=True, client_ip="203.0.113.9", user_agent="Mozilla/5.0 test")
    db.commit()
    row = db.get(Contract, contract.id)
    assert (row.status, row.signer_name, row.signer_ip, row.signer_user_agent) == (
        "signed", "Ada Lovelace", "203.0.113.9", "Mozilla/5.0 test")
    assert row.signed_text_sha256 == contracts.text_sha256(BODY) and len(row.signed_text_sha256) == 64
    assert row.signed_at is not None
    assert ("contract", "signed") in _kinds(db, me.account.id)
    assert contracts.pending_contract(db, principal=me.principal) is None
    with pytest.raises(PortalError):
        contracts.sign_contract(db, principal=me.principal, contract_id=contract.id, typed_name="Ada Lovelace",
                                consent=True, client_ip="", user_agent="")


def test_another_accounts_contract_is_not_found(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    theirs = _contract(db, them.account.id)
    db.commit()
    with pytest.raises(NotFound):
        contracts.contract(db, principal=me.principal, contract_id=theirs.id)
    with pytest.raises(NotFound):
        contracts.sign_contract(db, principal=me.principal, contract_id=theirs.id, typed_name="Me Here", consent=True,
                                client_ip="", user_agent="")
    with pytest.raises(NotFound):
        contracts.signed_document(db, principal=them.principal, contract_id=theirs.id)  # not signed yet


def test_signed_pdf_holds_the_text_and_evidence_and_escapes_markup(db: Session) -> None:
    from portal_app.integrations.contract_pdf import signed_contract_pdf

    me = make_subscriber(db)
    contract = _contract(db, me.account.id)
    contracts.sign_contract(db, principal=me.principal, contract_id=contract.id,
                            typed_name='<img src="/etc/passwd"/> Ada', consent=True, client_ip="198.51.100.7",
                            user_agent="<b>Browser</b>")
    db.commit()
    doc = contracts.signed_document(db, principal=me.principal, contract_id=contract.id)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(signed_contract_pdf(doc, fmt=formatter()))).pages)
    assert "1. Pay on time." in text and "2. Be kind." in text
    assert '<img src="/etc/passwd"/> Ada' in text and "<b>Browser</b>" in text
    assert "198.51.100.7" in text and contracts.text_sha256(BODY) in text.replace("\n", "")


# --- states and routes ----------------------------------------------------------------------


@pytest.fixture
def two(app_db: str, db: Session):  # noqa: F811
    db.add(ProviderSettings())
    me, them = make_subscriber(db, first_name="Maya"), make_subscriber(db, first_name="Other")
    mine, theirs = _contract(db, me.account.id), _contract(db, them.account.id)
    their_workflow, _ = _workflow(db, them.account.id, *DIAMOND)
    _workflow(db, me.account.id, *DIAMOND)
    their_service = AccountService(account_id=them.account.id, package_id=_package(db).id, name="Theirs")
    db.add(their_service)
    db.commit()
    return {"me": me, "them": them, "cookie": signed_in_cookie(db, me), "mine": mine, "theirs": theirs,
            "their_workflow": their_workflow, "their_service": their_service}


def test_contract_page_signs_mine_and_not_theirs(two, db: Session) -> None:
    other = page_state(ContractState, f"/contract?id={two['theirs'].id}", cookie=two["cookie"])
    call(ContractState.load, other)
    assert not other.found and other.paragraphs == []
    call(ContractState.sign, other, {"signer_name": "Maya Okafor", "consent": "on"})
    assert db.get(Contract, two["theirs"].id).status == "pending"

    state = page_state(ContractState, f"/contract?id={two['mine'].id}", cookie=two["cookie"])
    call(ContractState.load, state)
    assert state.found and state.paragraphs[0] == "TERMS"
    call(ContractState.sign, state, {"signer_name": "Maya Okafor"})
    assert state.err_consent and not state.signed
    call(ContractState.sign, state, {"signer_name": "Maya Okafor", "consent": "on"})
    assert state.signed and state.signer_name == "Maya Okafor"
    db.expire_all()
    assert db.get(Contract, two["mine"].id).signer_user_agent == "pytest"


def test_contract_prompt_until_later_for_the_session_only_with_a_pending_contract(two, db: Session) -> None:
    state = page_state(ContractReminderState, "/", cookie=two["cookie"])
    load_home(state)
    assert state.contract_open and state.contract_href == f"/contract?id={two['mine'].id}"
    load_home(state)
    assert state.contract_open  # back on Home: still there until signed or put off
    call(ContractReminderState.dismiss, state)
    load_home(state)
    assert not state.contract_open
    other = make_subscriber(db)
    db.commit()
    fresh = page_state(ContractReminderState, "/", cookie=signed_in_cookie(db, other))
    load_home(fresh)
    assert not fresh.contract_open


def test_services_and_orders_pages_hold_only_this_account(two) -> None:
    services = page_state(ServicesState, "/services", cookie=two["cookie"])
    call(ServicesState.load, services)
    assert [c["id"] for c in services.contracts] == [str(two["mine"].id)]
    ServicesState.toggle.fn(services, str(two["their_service"].id))
    assert services.open_id == ""
    tracking = page_state(OrdersState, "/orders", cookie=two["cookie"])
    call(OrdersState.load, tracking)
    assert len(tracking.orders) == 1 and tracking.orders[0]["id"] != str(two["their_workflow"].id)


def test_staff_orders_page_needs_staff(two, db: Session) -> None:
    state = page_state(StaffOrdersState, f"/staff/orders?number={two['them'].account.account_number}",
                       cookie=two["cookie"])  # a subscriber cookie is no staff session
    call(StaffOrdersState.load, state)
    assert state.workflows == [] and not state.found


@pytest.fixture
def client(app_db: str) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as test_client:
        yield test_client


def test_signed_contract_pdf_route_only_for_its_account(two, db: Session, client: TestClient) -> None:
    me = two["me"]
    contracts.sign_contract(db, principal=me.principal, contract_id=two["mine"].id, typed_name="Maya Okafor",
                            consent=True, client_ip="", user_agent="")
    contracts.sign_contract(db, principal=two["them"].principal, contract_id=two["theirs"].id,
                            typed_name="Other Person", consent=True, client_ip="", user_agent="")
    db.commit()
    url = "/documents/contracts/{}.pdf"
    assert client.get(url.format(two["mine"].id)).status_code == 404  # no session
    client.cookies.set("portal_session", two["cookie"].split("portal_session=")[1])
    mine = client.get(url.format(two["mine"].id) + "?download=1")
    assert mine.status_code == 200 and mine.headers["content-type"] == "application/pdf"
    assert "attachment" in mine.headers["content-disposition"]
    assert client.get(url.format(two["theirs"].id)).status_code == 404
    assert client.get(url.format(999999)).status_code == 404
    assert client.get("/documents/contracts/abc.pdf").status_code == 404


# --- CHANGE package -------------------------------------------------------------------------


def _catalogue(db: Session, me) -> tuple[AccountService, dict[str, Package]]:
    from portal_app.models import ServiceArea, ServiceAreaPackage

    area = ServiceArea(name="Metro", zip_codes="78701")
    db.add(area)
    db.flush()
    packs = {}
    for code, cents in (("P300", 5500), ("P1G", 7500), ("P2G", 9500), ("ELSEWHERE", 100)):
        packs[code] = Package(code=code, name=code, monthly_price_cents=cents)
        db.add(packs[code])
        db.flush()
        if code != "ELSEWHERE":
            db.add(ServiceAreaPackage(service_area_id=area.id, package_id=packs[code].id))
    me.account.service_area_id = area.id
    service = AccountService(account_id=me.account.id, package_id=packs["P1G"].id, name="P1G", monthly_price_cents=7500)
    db.add(service)
    db.add(ProviderSettings())
    db.flush()
    return service, packs


def test_change_options_are_the_areas_other_packages_with_the_difference(db: Session) -> None:
    from portal_app.services.orders import package_change

    me = make_subscriber(db)
    service, _ = _catalogue(db, me)
    db.commit()
    _, options = package_change.change_options(db, principal=me.principal, service_id=service.id)
    assert [(o.name, o.difference_cents, o.direction) for o in options] == [
        ("P300", -2000, "Downgrade"), ("P2G", 2000, "Upgrade")]


def test_placing_a_change_makes_an_order_a_tracked_workflow_and_history(db: Session) -> None:
    from portal_app.models import Account, CartOrder
    from portal_app.services.orders import package_change

    me = make_subscriber(db)
    staff = _staff(db)
    service, packs = _catalogue(db, me)
    db.commit()
    with pytest.raises(NotFound):  # not offered in this area
        package_change.place_package_change(db, principal=me.principal, service_id=service.id,
                                            package_id=packs["ELSEWHERE"].id, prorate_now=True, paperless=True)
    order = package_change.place_package_change(db, principal=me.principal, service_id=service.id,
                                                package_id=packs["P2G"].id, prorate_now=False, paperless=False)
    db.commit()
    assert (order.kind, order.previous_package_id, order.prorate_now) == ("package_change", packs["P1G"].id, False)
    assert db.get(Account, me.account.id).paperless is False
    [tracked] = order_tracking.tracked_orders(db, principal=me.principal)
    assert tracked.title == "Change to P2G" and tracked.current_name == "Switching your service"
    assert ("service", "package_change_ordered") in _kinds(db, me.account.id)
    with pytest.raises(PortalError):  # one change at a time
        package_change.place_package_change(db, principal=me.principal, service_id=service.id,
                                            package_id=packs["P300"].id, prorate_now=True, paperless=True)
    db.rollback()
    # Staff finish the work: the service line becomes the new package.
    _, tasks = orders.staff_workflows(db, principal=staff, account_id=me.account.id)[0]
    for task in tasks[1:]:
        orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=task.id, action="complete")
    db.commit()
    db.refresh(service)
    assert (service.package_id, service.monthly_price_cents) == (packs["P2G"].id, 9500)
    assert db.get(CartOrder, order.id).status == "completed"
    assert ("service", "package_changed") in _kinds(db, me.account.id)


def test_change_refused_when_the_provider_forbids_it_or_for_another_account(db: Session) -> None:
    from portal_app.services.orders import package_change

    me, them = make_subscriber(db), make_subscriber(db)
    service, packs = _catalogue(db, me)
    db.commit()
    with pytest.raises(NotFound):
        package_change.change_options(db, principal=them.principal, service_id=service.id)
    with pytest.raises(NotFound):
        package_change.place_package_change(db, principal=them.principal, service_id=service.id,
                                            package_id=packs["P2G"].id, prorate_now=True, paperless=True)
    db.exec(select(ProviderSettings)).one().allow_service_change = False
    db.commit()
    with pytest.raises(PortalError):
        package_change.change_options(db, principal=me.principal, service_id=service.id)


# --- public shopping cart -------------------------------------------------------------------


def _area(db: Session, mode: str, zip_code: str) -> tuple[object, Package]:
    from portal_app.models import ServiceArea, ServiceAreaPackage

    area = ServiceArea(name=f"Area {mode}", zip_codes=f"{zip_code},99999", portal_account_mode=mode)
    package = Package(code=f"C{mode}", name=f"Fiber {mode}", monthly_price_cents=6000)
    db.add(area)
    db.add(package)
    db.flush()
    db.add(ServiceAreaPackage(service_area_id=area.id, package_id=package.id))
    db.flush()
    return area, package


def _cart_form(package_id: int, zip_code: str, **extra):
    from portal_app.services.orders.cart import CartForm

    fields = dict(street="1 Elm St", city="Austin", state="TX", zip_code=zip_code, package_id=package_id,
                  first_name="Lee", last_name="Chen", email="lee@example.com", phone="512 555 0142")
    fields.update(extra)
    return CartForm(**fields)


@pytest.mark.parametrize(("mode", "want", "makes_user"), [
    ("disabled", True, False), ("optional", False, False), ("optional", True, True), ("required", False, True)])
def test_cart_order_makes_account_service_workflow_and_maybe_a_portal_user(db: Session, mode, want, makes_user) -> None:
    from portal_app.models import Account, Appointment, CartOrder, OutboxMail, PortalUser
    from portal_app.services.orders import cart

    area, package = _area(db, mode, "78700")
    db.commit()
    placed = cart.place_order(db, form=_cart_form(package.id, "78700", want_portal=want, username="leechen",
                                                  password="a-long-enough-passphrase-9"))
    db.commit()
    account = db.exec(select(Account).where(Account.account_number == placed.account_number)).one()
    assert account.service_area_id == area.id and account.service_street == "1 Elm St"
    service = db.exec(select(AccountService).where(AccountService.account_id == account.id)).one()
    assert (service.status, service.package_id) == ("pending", package.id)
    assert db.exec(select(CartOrder).where(CartOrder.account_id == account.id)).one().kind == "new_service"
    principal = Principal(kind="subscriber", display_name="Lee", account_id=account.id)
    [tracked] = order_tracking.tracked_orders(db, principal=principal)
    assert tracked.kind_label == "Install" and tracked.steps[0].state == "done"
    install = db.exec(select(Appointment).where(Appointment.account_id == account.id)).one()
    assert (install.kind, install.status) == ("install", "to_schedule")  # Go to Scheduling offers it
    users = db.exec(select(PortalUser).where(PortalUser.account_id == account.id)).all()
    mails = db.exec(select(OutboxMail).where(OutboxMail.to_address == "lee@example.com")).all()
    if makes_user:
        assert [u.username for u in users] == ["leechen"] and users[0].verified_at is None
        assert len(mails) == 1 and "/verify?token=" in mails[0].body_text
    else:
        assert users == [] and mails == [] and placed.username == ""
    assert ("order", "cart_sign_up") in _kinds(db, account.id)


def test_cart_validates_and_writes_nothing_on_bad_input(db: Session) -> None:
    from portal_app.models import Account
    from portal_app.services.orders import cart

    _, package = _area(db, "required", "78700")
    _, elsewhere = _area(db, "optional", "78800")
    db.commit()
    before = len(db.exec(select(Account)).all())
    with pytest.raises(FieldErrors) as problem:
        cart.place_order(db, form=_cart_form(package.id, "78700", email="nope", phone="12", username="x", password="short"))
    assert {"email", "phone", "username", "password"} <= set(problem.value.errors)
    with pytest.raises(FieldErrors) as problem:
        cart.place_order(db, form=_cart_form(elsewhere.id, "78700", username="leechen",
                                             password="a-long-enough-passphrase-9"))
    assert "package" in problem.value.errors
    with pytest.raises(FieldErrors) as problem:
        cart.place_order(db, form=_cart_form(package.id, "10001"))
    assert "zip_code" in problem.value.errors
    db.rollback()
    assert len(db.exec(select(Account)).all()) == before


# --- staff catalogue ------------------------------------------------------------------------


def test_staff_manage_packages_and_service_areas_and_the_cart_follows(db: Session) -> None:
    from portal_app.services.orders import cart, catalogue

    staff = _staff(db)
    me = make_subscriber(db)
    with pytest.raises(NotFound):
        catalogue.packages(db, principal=me.principal)
    with pytest.raises(FieldErrors) as problem:
        catalogue.add_package(db, principal=staff, code="x", name="", description="", price="abc",
                              download_mbps="fast", upload_mbps="1")
    assert set(problem.value.errors) == {"code", "name", "price", "download_mbps"}
    package = catalogue.add_package(db, principal=staff, code="F5G", name="Fiber 5 Gig", description="",
                                    price="$129.99", download_mbps="5000", upload_mbps="5000")
    assert package.monthly_price_cents == 12999
    with pytest.raises(FieldErrors):
        catalogue.add_area(db, principal=staff, name="Hill", zip_codes="7870", mode="sometimes")
    area = catalogue.add_area(db, principal=staff, name="Hill Country", zip_codes="78610, 78620", mode="disabled")
    catalogue.set_area_package(db, principal=staff, area_id=area.id, package_id=package.id, offered=True)
    db.commit()
    assert cart.area_for_zip(db, "78620").id == area.id
    assert [p.code for p in cart.area_packages(db, area.id)] == ["F5G"]
    catalogue.set_area_mode(db, principal=staff, area_id=area.id, mode="required")
    catalogue.set_package_active(db, principal=staff, package_id=package.id, active=False)
    db.commit()
    assert cart.area_packages(db, area.id) == []
    catalogue.set_area_package(db, principal=staff, area_id=area.id, package_id=package.id, offered=False)
    db.commit()
    [(row, offered)] = [(a, o) for a, o in catalogue.areas(db, principal=staff) if a.id == area.id]
    assert row.portal_account_mode == "required" and offered == set()


def test_staff_edit_a_package_and_its_items_still_add_up(db: Session) -> None:
    from portal_app.models import Package, PackageItem
    from portal_app.services.orders import catalogue

    staff = _staff(db)
    me = make_subscriber(db)
    package = catalogue.add_package(db, principal=staff, code="F1G", name="Fiber 1 Gig", description="",
                                    price="75.00", download_mbps="1000", upload_mbps="1000")
    db.add(PackageItem(package_id=package.id, name="Wi-Fi 7 router", detail="Equipment", price_cents=1000, sort_order=5))
    package.monthly_price_cents += 1000  # the router rental is part of the price
    db.commit()
    with pytest.raises(NotFound):
        catalogue.update_package(db, principal=me.principal, package_id=package.id, name="Mine", description="",
                                 price="1", download_mbps="1", upload_mbps="1")
    with pytest.raises(FieldErrors) as problem:
        catalogue.update_package(db, principal=staff, package_id=package.id, name="Fiber 1 Gig", description="",
                                 price="5.00", download_mbps="1000", upload_mbps="1000")
    assert "other items" in problem.value.errors["price"]
    catalogue.update_package(db, principal=staff, package_id=package.id, name="Fiber 1 Gig Plus",
                             description="Symmetric gig", price="$89.50", download_mbps="1200", upload_mbps="1000")
    db.commit()
    db.expire_all()
    edited = db.get(Package, package.id)
    items = db.exec(select(PackageItem).where(PackageItem.package_id == package.id)).all()
    assert (edited.name, edited.monthly_price_cents, edited.download_mbps) == ("Fiber 1 Gig Plus", 8950, 1200)
    assert sum(item.price_cents for item in items) == 8950
    with pytest.raises(NotFound):
        catalogue.update_package(db, principal=staff, package_id=999_999, name="x", description="", price="1",
                                 download_mbps="1", upload_mbps="1")


def test_package_change_page_treats_another_accounts_service_as_not_found(two, db: Session) -> None:
    from portal_app.models import CartOrder
    from portal_app.state.package_change import PackageChangeState

    state = page_state(PackageChangeState, f"/services/change?service={two['their_service'].id}", cookie=two["cookie"])
    call(PackageChangeState.load, state)
    assert state.step == "unavailable" and state.options == [] and "could not be found" in state.message
    PackageChangeState.choose.fn(state, "1")
    call(PackageChangeState.proceed, state)
    call(PackageChangeState.place, state, {"billing_start": "prorate", "delivery": "email"})
    assert state.step == "unavailable"
    assert db.exec(select(CartOrder)).all() == []
