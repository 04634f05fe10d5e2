"""Roles in the services layer: every staff verb goes through the one guard and refuses the wrong role.

The matrix names each staff verb with the role it needs; a source scan makes sure no staff verb is
missing from it, so a new verb without a row here fails this file.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import typing
from pathlib import Path

import pytest
from factories import make_payment, make_subscriber
from sqlmodel import Session

from portal_app.models import ProviderSettings, StaffUser
from portal_app.services.billing import paper_bills, promises, refunds, service_status
from portal_app.services.core import outbox
from portal_app.services.notify import log, outages, preferences, sms_outbox
from portal_app.services.operations import api_keys, dev_outbox, importer, job_runs, webhooks
from portal_app.services.orders import catalogue, contracts, holds, orders
from portal_app.services.selfservice import contacts, scheduling, tickets
from portal_app.services.staff import settings_admin, staff_accounts, staff_audit, staff_users
from portal_app.services.core.errors import FieldErrors, Forbidden, StaffOnly
from portal_app.services.core.principal import Principal

SERVICES = Path(__file__).resolve().parents[2] / "portal_app" / "services"

ADMIN_VERBS = [
    catalogue.packages, catalogue.add_package, catalogue.update_package, catalogue.set_package_active,
    catalogue.areas, catalogue.add_area, catalogue.set_area_mode, catalogue.set_area_package,
    contacts.add_contact_type, contacts.rename_contact_type, contacts.reorder_contact_types,
    contacts.remove_contact_type,
    scheduling.staff_windows_for_day, scheduling.staff_window_days, scheduling.staff_define_windows,
    scheduling.staff_set_capacity, scheduling.staff_delete_window,
    staff_users.list_staff, staff_users.invite, staff_users.resend_invitation, staff_users.set_role,
    staff_users.set_disabled, staff_users.reset_two_factor,
    staff_audit.entries, staff_audit.action_groups,
    settings_admin.form_values, settings_admin.update,
    importer.run_import, importer.may_import, importer.stage_upload, importer.run_batch,
    api_keys.create_key, api_keys.revoke_key, api_keys.list_keys,
    webhooks.add_endpoint, webhooks.set_endpoint_active, webhooks.endpoints, webhooks.deliveries,
    outages.staff_notices, outages.service_areas, outages.post_notice, outages.add_update, outages.restore,
    paper_bills.paper_bills, paper_bills.paper_bill_documents, paper_bills.mark_printed,
]
# The command line on the server imports and prints paper bills as the system.
SYSTEM_ALLOWED = {importer.run_import, paper_bills.paper_bills, paper_bills.paper_bill_documents,
                  paper_bills.mark_printed}
# The integration API (a system principal) sets the service status too.
AGENT_VERBS = [
    orders.staff_workflows, orders.set_trackable, orders.advance_task, contracts.send_contract,
    staff_accounts.find_accounts, staff_accounts.access_account_by_number,
    tickets.staff_ticket, tickets.staff_list_tickets, tickets.staff_add_note, tickets.staff_set_status,
    outbox.failed_mail, outbox.retry_mail,
    refunds.refund_payment, refunds.staff_payments,
    service_status.set_service_status, service_status.staff_view, promises.staff_promise, promises.cancel_promise,
    job_runs.job_rows, dev_outbox.dev_outbox,
    staff_users.two_factor_on, staff_users.start_two_factor, staff_users.confirm_two_factor,
    log.sent_to_account, preferences.account_preferences, log.outbox_texts, sms_outbox.retry_text,
    holds.staff_holds, holds.decide, holds.staff_cancel, holds.staff_end_early,
    staff_accounts.people_with_access, staff_accounts.revoke_invitation,
]


def _dummy(annotation: object) -> object:
    text = str(annotation)
    if "list" in text:
        return []
    if "bool" in text:
        return True
    if "date" in text:
        return dt.date(2030, 1, 1)
    if "int" in text and "str" not in text:
        return 987654
    if "dict" in text:
        return {}
    return "x"


def _call(verb, db: Session, principal: Principal) -> None:
    hints = typing.get_type_hints(verb)
    kwargs = {name: _dummy(hints.get(name, str)) for name, param in inspect.signature(verb).parameters.items()
              if param.kind is param.KEYWORD_ONLY and param.default is param.empty and name not in ("db", "principal")}
    try:
        principal_param = inspect.signature(verb).parameters["principal"]
        if principal_param.kind is not principal_param.KEYWORD_ONLY:
            verb(db, principal, **kwargs)
        else:
            verb(db, principal=principal, **kwargs)
    finally:
        db.rollback()


def _staff(db: Session, role: str) -> Principal:
    staff = StaffUser(username=f"{role}-matrix", email=f"{role}@example.com", full_name=f"Matrix {role}",
                      password_hash="x", role=role)
    db.add(staff)
    db.commit()
    return Principal(kind="staff", display_name=staff.full_name, staff_user_id=staff.id, staff_role=role)


@pytest.mark.parametrize("verb", ADMIN_VERBS, ids=lambda v: f"{v.__module__.rsplit('.', 1)[1]}.{v.__name__}")
def test_admin_verbs_refuse_agents_and_subscribers(db: Session, verb) -> None:
    agent = _staff(db, "agent")
    with pytest.raises(Forbidden):
        _call(verb, db, agent)
    subscriber = make_subscriber(db)
    db.commit()
    with pytest.raises(StaffOnly):
        _call(verb, db, subscriber.principal)
    if verb not in SYSTEM_ALLOWED:
        with pytest.raises(StaffOnly):
            _call(verb, db, Principal.system())


@pytest.mark.parametrize("verb", AGENT_VERBS, ids=lambda v: f"{v.__module__.rsplit('.', 1)[1]}.{v.__name__}")
def test_agent_verbs_let_agents_in_and_keep_subscribers_out(db: Session, verb) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    with pytest.raises(StaffOnly):
        _call(verb, db, subscriber.principal)
    agent = _staff(db, "agent")
    try:
        _call(verb, db, agent)
    except (Forbidden, StaffOnly) as refusal:  # anything else (not found, bad input) is past the guard
        pytest.fail(f"{verb.__name__} refused an agent: {refusal}")
    except Exception:  # noqa: BLE001 - the dummy arguments name nothing real
        pass


def test_admins_pass_every_admin_guard(db: Session) -> None:
    admin = _staff(db, "admin")
    for verb in ADMIN_VERBS:
        try:
            _call(verb, db, admin)
        except (Forbidden, StaffOnly) as refusal:
            pytest.fail(f"{verb.__name__} refused an admin: {refusal}")
        except Exception:  # noqa: BLE001 - past the guard
            pass


def _guarded_functions() -> set[str]:
    """Every public service function that calls require_staff itself, or a private helper that does."""
    found: set[str] = set()
    for path in SERVICES.rglob("*.py"):
        if path.name in ("access.py", "__init__.py"):
            continue
        tree = ast.parse(path.read_text())
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

        def calls(node: ast.AST) -> set[str]:
            return {c.func.id if isinstance(c.func, ast.Name) else getattr(c.func, "attr", "")
                    for c in ast.walk(node) if isinstance(c, ast.Call)}

        guarded = {name for name, fn in functions.items() if "require_staff" in calls(fn)}
        guarded |= {name for name, fn in functions.items() if calls(fn) & {g for g in guarded if g.startswith("_")}}
        found |= {f"{path.stem}.{name}" for name in guarded if not name.startswith("_")}
    return found


def test_the_matrix_names_every_staff_verb() -> None:
    named = {f"{v.__module__.rsplit('.', 1)[1]}.{v.__name__}" for v in ADMIN_VERBS + AGENT_VERBS}
    assert _guarded_functions() - named == set()


def test_agents_refund_up_to_the_admin_set_limit(db: Session) -> None:
    me = make_subscriber(db)
    payment = make_payment(db, me.account, 50_000)
    db.add(ProviderSettings(agent_refund_limit_cents=2_000))
    db.commit()
    agent, admin = _staff(db, "agent"), _staff(db, "admin")
    with pytest.raises(FieldErrors) as refused:
        refunds.refund_payment(db, principal=agent, account_number=me.account.account_number, payment_id=payment.id,
                               amount_cents=2_001, reason="Outage", refund_key="agent-too-much")
    assert "up to $20.00" in refused.value.errors["refund_amount"]
    done = refunds.refund_payment(db, principal=agent, account_number=me.account.account_number,
                                  payment_id=payment.id, amount_cents=2_000, reason="Outage", refund_key="agent-ok")
    assert done.amount_cents == 2_000
    bigger = refunds.refund_payment(db, principal=admin, account_number=me.account.account_number,
                                    payment_id=payment.id, amount_cents=30_000, reason="Move", refund_key="admin-big")
    assert bigger.amount_cents == 30_000
