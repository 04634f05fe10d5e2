"""Bringing subscribers in from the provider's billing system: CSV files, one per kind.

Every row is keyed by the provider's own id (account number, contact id, service id, invoice
number, payment id), so importing the same files again changes nothing and a changed row updates.
A dry run reports every row (create, change, unchanged or refused, with its row number and the
reason); an apply writes everything in one transaction, and only when no row is refused.
The headers each file needs are in HEADERS and in the README; sample files are in samples/import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from portal_app.models import (
    Account, AccountHistory, ImportBatch, AccountService, Contact, ContactPoint, ContactType, Invoice,
    InvoiceLine, Package, Payment, PaymentAllocation, ServiceArea, utcnow,
)
from portal_app.services.billing import quickpay
from portal_app.services.core import history
from portal_app.services.staff import staff_audit
from portal_app.services.core.access import ADMIN, require_staff
from portal_app.services.core.reach import normalize_email, normalize_phone
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.services.core import formatting
from portal_app.services.core.principal import Principal

KINDS = ("accounts", "contacts", "services", "invoices", "invoice_lines", "payments")
HEADERS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id", "kind", "first_name", "last_name", "company_name", "service_street", "service_city",
                 "service_state", "service_zip", "billing_zip", "service_area", "status"),
    "contacts": ("account_id", "contact_id", "type", "first_name", "last_name", "emails", "phones"),
    "services": ("account_id", "service_id", "package_code", "name", "monthly_price", "status", "started_on"),
    "invoices": ("account_id", "invoice_number", "issued_on", "due_on", "period_start", "period_end", "total",
                 "status"),
    "invoice_lines": ("invoice_number", "line", "description", "amount"),
    "payments": ("account_id", "payment_id", "paid_on", "amount", "method", "method_label", "invoice_number"),
}
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
ZIP = re.compile(r"\d{5}")
CREATE, CHANGE, SAME, REFUSE = "create", "change", "unchanged", "refuse"


class Refused(ValueError):
    """A row that cannot be imported; the message says why."""


@dataclass(frozen=True)
class RowResult:
    kind: str
    row: int  # the line in the file (the header is line 1)
    key: str
    outcome: str  # create | change | unchanged | refuse
    reason: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    applied: bool = False
    problems: list[str] = field(default_factory=list)  # whole-file problems (missing headers)

    def count(self, outcome: str, kind: str | None = None) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome and (kind is None or r.kind == kind))

    @property
    def refused(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == REFUSE]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.refused

    def summary(self) -> str:
        parts = []
        for kind in KINDS:
            counts = [(o, self.count(o, kind)) for o in (CREATE, CHANGE, SAME, REFUSE)]
            if any(n for _, n in counts):
                parts.append(f"{kind}: " + ", ".join(f"{n} {o}" for o, n in counts if n))
        verdict = ("applied" if self.applied else "dry run, nothing written") if self.ok else "REFUSED, nothing written"
        return "; ".join(parts + self.problems) + f" ({verdict})"


# --- reading -------------------------------------------------------------------------------------


def read_csv(kind: str, text: str, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; a missing header is a problem for the whole file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [h for h in HEADERS[kind] if h not in (reader.fieldnames or [])]
    if missing:
        report.problems.append(f"{kind}.csv lacks the column(s) {', '.join(missing)}")
        return []
    return [(number, {k: (v or "").strip() for k, v in row.items() if k}) for number, row in enumerate(reader, start=2)]


def _date(raw: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Refused(f"{what} must be a date like 2026-03-01, not {raw!r}") from None


def _money(raw: str, what: str, *, negative: bool = False) -> int:
    sign = -1 if negative and raw.startswith("-") else 1
    cents = formatting.formatter(formatting.DATA_LOCALE).parse_amount(raw[1:] if sign < 0 else raw)
    if cents is None:
        raise Refused(f"{what} must be an amount like 84.50, not {raw!r}")
    return sign * cents


def _id(raw: str, what: str) -> str:
    if not ID.fullmatch(raw):
        raise Refused(f"{what} must be 1-32 letters, digits, dots, dashes or underscores")
    return raw


def _choice(raw: str, allowed: tuple[str, ...], what: str, default: str) -> str:
    value = (raw or default).lower()
    if value not in allowed:
        raise Refused(f"{what} must be one of {', '.join(allowed)}, not {raw!r}")
    return value


# --- planning: what each row would do ----------------------------------------------------------


@dataclass
class Plan:
    report: ImportReport
    accounts_new: list[dict] = field(default_factory=list)
    accounts_changed: list[dict] = field(default_factory=list)
    service_changes: list[tuple[str, str]] = field(default_factory=list)  # (account number, new service status)
    contacts: list[tuple[str, dict, list[tuple[str, str]], int | None]] = field(default_factory=list)
    new_types: list[str] = field(default_factory=list)  # contact types the files name and the portal lacks
    services: list[tuple[str, dict, int | None]] = field(default_factory=list)
    invoices: list[tuple[str, dict, list[dict] | None, int | None]] = field(default_factory=list)
    payments: list[tuple[str, dict, str]] = field(default_factory=list)


def _outcome(report: ImportReport, kind: str, row: int, key: str, before: dict | None, after: dict) -> str:
    outcome = CREATE if before is None else (SAME if before == after else CHANGE)
    report.rows.append(RowResult(kind, row, key, outcome))
    return outcome


def _refuse(report: ImportReport, kind: str, row: int, key: str, reason: str) -> None:
    report.rows.append(RowResult(kind, row, key, REFUSE, reason))


ACCOUNT_FIELDS = ("kind", "first_name", "last_name", "company_name", "service_street", "service_city", "service_state",
                  "service_zip", "billing_zip", "service_area_id", "status", "service_status")
IMPORTED_SUSPENDED = "Suspended for non-payment in the previous billing system"


def _standing(raw: str, current: Account | None) -> dict:
    """The file's status as the portal keeps it: `closed` closes the account; `suspended` is the service
    suspended for non-payment (the account stays open, so the subscriber can pay and be restored);
    `active` lifts such a suspension and leaves any other service status (a vacation hold) as it is."""
    status = _choice(raw, ("active", "suspended", "closed"), "status", "active")
    service = current.service_status if current is not None else "active"
    if status == "suspended":
        service = "suspended_nonpayment"
    elif service == "suspended_nonpayment":
        service = "active"
    return {"status": "closed" if status == "closed" else "active", "service_status": service}


def _plan_accounts(db: Session, plan: Plan, rows: list[tuple[int, dict]]) -> set[str]:
    """Returns the account numbers the other files may refer to (existing or planned)."""
    areas = {a.name.casefold(): a.id for a in db.exec(select(ServiceArea))}
    existing = {a.account_number: a for a in db.exec(select(Account))}
    seen: set[str] = set()
    for number, row in rows:
        key = row.get("account_id", "")
        try:
            key = _id(key, "account_id")
            if key in seen:
                raise Refused("the same account_id appears twice in accounts.csv")
            kind = _choice(row["kind"], ("residential", "business"), "kind", "residential")
            if kind == "business" and not row["company_name"]:
                raise Refused("a business account needs company_name")
            if kind == "residential" and not row["last_name"]:
                raise Refused("a residential account needs last_name (subscribers give it to sign up)")
            for column in ("service_zip", "billing_zip"):
                if row[column] and not ZIP.fullmatch(row[column]):
                    raise Refused(f"{column} must be 5 digits")
            area_id = None
            if row["service_area"]:
                area_id = areas.get(row["service_area"].casefold())
                if area_id is None:
                    raise Refused(f"no service area named {row['service_area']!r} (add it under Catalogue first)")
            values = {"kind": kind, "first_name": row["first_name"][:80], "last_name": row["last_name"][:80],
                      "company_name": row["company_name"][:160], "service_street": row["service_street"][:200],
                      "service_city": row["service_city"][:100], "service_state": row["service_state"][:40],
                      "service_zip": row["service_zip"], "billing_zip": row["billing_zip"] or row["service_zip"],
                      "service_area_id": area_id, **_standing(row["status"], existing.get(key))}
        except Refused as problem:
            _refuse(plan.report, "accounts", number, key, str(problem))
            seen.add(key)
            continue
        seen.add(key)
        current = existing.get(key)
        before = {f: getattr(current, f) for f in ACCOUNT_FIELDS} if current else None
        outcome = _outcome(plan.report, "accounts", number, key, before, values)
        if values["service_status"] != (current.service_status if current else "active"):
            plan.service_changes.append((key, values["service_status"]))
        if outcome == CREATE:
            plan.accounts_new.append({"account_number": key, **values})
        elif outcome == CHANGE:
            plan.accounts_changed.append({"id": current.id, **values})
    refused = {r.key for r in plan.report.rows if r.kind == "accounts" and r.outcome == REFUSE}
    return (set(existing) | seen) - refused


def _account_ref(row: dict, known: set[str]) -> str:
    key = row.get("account_id", "")
    if key not in known:
        raise Refused(f"account {key!r} is neither in the portal nor in accounts.csv")
    return key


def _row_ids(row: dict, known: set[str], seen: set, field: str, where: str = "") -> tuple[str, str]:
    """The row's account and its own id in the other system (`field`), which no other row may repeat: for
    the same account, or anywhere in the file `where` names (ids unique on their own: invoices, payments)."""
    account = _account_ref(row, known)
    own = _id(row.get(field, ""), field)
    scope = own if where else (account, own)
    if scope in seen:
        raise Refused(f"the same {field} appears twice " + (f"in {where}" if where else "for this account"))
    seen.add(scope)
    return account, own


def _plan_contacts(db: Session, plan: Plan, rows: list[tuple[int, dict]], known: set[str]) -> None:
    types = {t.name.casefold(): t.name for t in db.exec(select(ContactType))}
    type_names = {t.id: t.name for t in db.exec(select(ContactType))}
    existing = {(n, c.external_id): c for c, n in db.exec(
        select(Contact, Account.account_number).join(Account, col(Account.id) == Contact.account_id)
        .where(Contact.external_id != ""))}
    points: dict[int, list[tuple[str, str]]] = {}
    for point in db.exec(select(ContactPoint).join(Contact, col(Contact.id) == ContactPoint.contact_id)
                         .where(Contact.external_id != "")) if existing else []:
        points.setdefault(point.contact_id, []).append((point.kind, point.value))
    seen: set[tuple[str, str]] = set()
    for number, row in rows:
        key = f"{row.get('account_id', '')}/{row.get('contact_id', '')}"
        try:
            account, contact_id = _row_ids(row, known, seen, "contact_id")
            type_name = types.get(row["type"].casefold(), row["type"][:60]) if row["type"] else ""
            found: list[tuple[str, str]] = []
            for raw in filter(None, (v.strip() for v in row["emails"].split(";"))):
                try:
                    found.append(("email", normalize_email(raw).lower()))
                except ValueError:
                    raise Refused(f"{raw!r} is not an email address") from None
            for raw in filter(None, (v.strip() for v in row["phones"].split(";"))):
                try:
                    found.append(("phone", normalize_phone(raw)))
                except ValueError:
                    raise Refused(f"{raw!r} is not a valid phone number") from None
            if not found:
                raise Refused("a contact needs at least one email or phone")
            if not (row["first_name"] or row["last_name"]):
                raise Refused("a contact needs a first or last name")
        except Refused as problem:
            _refuse(plan.report, "contacts", number, key, str(problem))
            continue
        if type_name and type_name.casefold() not in types:
            types[type_name.casefold()] = type_name
            plan.new_types.append(type_name)
        values = {"type_name": type_name, "first_name": row["first_name"][:80], "last_name": row["last_name"][:80]}
        current = existing.get((account, contact_id))
        before = None
        if current is not None:
            before = {"type_name": type_names.get(current.contact_type_id, ""), "first_name": current.first_name,
                      "last_name": current.last_name, "points": sorted(points.get(current.id, []))}
        outcome = _outcome(plan.report, "contacts", number, key, before, {**values, "points": sorted(found)})
        if outcome != SAME:
            plan.contacts.append((account, {**values, "external_id": contact_id}, found,
                                  current.id if current else None))


def _plan_services(db: Session, plan: Plan, rows: list[tuple[int, dict]], known: set[str]) -> None:
    packages = {p.code.upper(): p for p in db.exec(select(Package))}
    existing = {(n, s.external_id): s for s, n in db.exec(
        select(AccountService, Account.account_number).join(Account, col(Account.id) == AccountService.account_id)
        .where(AccountService.external_id != ""))}
    fields = ("package_id", "name", "monthly_price_cents", "status", "started_on")
    seen: set[tuple[str, str]] = set()
    for number, row in rows:
        key = f"{row.get('account_id', '')}/{row.get('service_id', '')}"
        try:
            account, service_id = _row_ids(row, known, seen, "service_id")
            package = packages.get(row["package_code"].upper()) if row["package_code"] else None
            if row["package_code"] and package is None:
                raise Refused(f"no package with code {row['package_code']!r} (add it under Catalogue first)")
            name = row["name"] or (package.name if package else "")
            if not name:
                raise Refused("a service needs a name or a package_code")
            values = {"package_id": package.id if package else None, "name": name[:120],
                      "monthly_price_cents": _money(row["monthly_price"], "monthly_price") if row["monthly_price"]
                      else (package.monthly_price_cents if package else 0),
                      "status": _choice(row["status"], ("active", "pending", "ended"), "status", "active"),
                      "started_on": _date(row["started_on"], "started_on") if row["started_on"] else None}
        except Refused as problem:
            _refuse(plan.report, "services", number, key, str(problem))
            continue
        current = existing.get((account, service_id))
        before = {f: getattr(current, f) for f in fields} if current else None
        if _outcome(plan.report, "services", number, key, before, values) != SAME:
            plan.services.append((account, {**values, "external_id": service_id}, current.id if current else None))


def _plan_invoices(db: Session, plan: Plan, rows: list[tuple[int, dict]], line_rows: list[tuple[int, dict]],
                   known: set[str]) -> set[str]:
    existing = {i.number: (i, n) for i, n in db.exec(
        select(Invoice, Account.account_number).join(Account, col(Account.id) == Invoice.account_id))}
    lines: dict[str, list[dict]] = {}
    line_rows_of: dict[str, list[int]] = {}
    for number, row in line_rows:
        key = f"{row.get('invoice_number', '')}/{row.get('line', '')}"
        try:
            invoice = _id(row["invoice_number"], "invoice_number")
            if not row["line"].isdigit():
                raise Refused("line must be a line number (1, 2, ...)")
            if not row["description"]:
                raise Refused("a line needs a description")
            lines.setdefault(invoice, []).append({"sort_order": int(row["line"]), "description": row["description"][:200],
                                                  "amount_cents": _money(row["amount"], "amount", negative=True)})
            line_rows_of.setdefault(invoice, []).append(number)
        except Refused as problem:
            _refuse(plan.report, "invoice_lines", number, key, str(problem))
    current_lines: dict[int, list[dict]] = {}
    for line in db.exec(select(InvoiceLine).order_by(col(InvoiceLine.sort_order))) if lines else []:
        current_lines.setdefault(line.invoice_id, []).append(
            {"sort_order": line.sort_order, "description": line.description, "amount_cents": line.amount_cents})
    fields = ("issued_on", "due_on", "period_start", "period_end", "total_cents", "status")
    seen: set[str] = set()
    for number, row in rows:
        key = row.get("invoice_number", "")
        try:
            account, key = _row_ids(row, known, seen, "invoice_number", "invoices.csv")
            values = {"issued_on": _date(row["issued_on"], "issued_on"), "due_on": _date(row["due_on"], "due_on"),
                      "period_start": _date(row["period_start"], "period_start"),
                      "period_end": _date(row["period_end"], "period_end"),
                      "total_cents": _money(row["total"], "total"),
                      "status": _choice(row["status"], ("open", "paid", "void"), "status", "open")}
            if values["period_end"] < values["period_start"] or values["due_on"] < values["issued_on"]:
                raise Refused("the period must end after it starts and the due date follow the issue date")
            given = sorted(lines.get(key, []), key=lambda line: line["sort_order"])
            if given and sum(line["amount_cents"] for line in given) != values["total_cents"]:
                as_typed = formatting.formatter(formatting.DATA_LOCALE).plain_amount
                raise Refused(f"its lines add up to {as_typed(sum(x['amount_cents'] for x in given))}, "
                              f"not the total {as_typed(values['total_cents'])}")
            current = existing.get(key)
            if current is not None and current[1] != account:
                raise Refused(f"invoice {key} belongs to another account in the portal")
        except Refused as problem:
            _refuse(plan.report, "invoices", number, key, str(problem))
            continue
        invoice = current[0] if current else None
        before = None
        if invoice is not None:
            before = {f: getattr(invoice, f) for f in fields}
            before["lines"] = current_lines.get(invoice.id, []) if given else None
        outcome = _outcome(plan.report, "invoices", number, key, before, {**values, "lines": given or None})
        if outcome != SAME:
            plan.invoices.append((account, {**values, "number": key}, given or None, invoice.id if invoice else None))
    verdicts = {r.key: r.outcome for r in plan.report.rows if r.kind == "invoices"}
    for invoice, numbers in line_rows_of.items():
        for number in numbers:
            if invoice not in verdicts:
                _refuse(plan.report, "invoice_lines", number, invoice, "no such invoice in invoices.csv")
            elif verdicts[invoice] == REFUSE:
                _refuse(plan.report, "invoice_lines", number, invoice, "its invoice is refused")
            else:
                plan.report.rows.append(RowResult("invoice_lines", number, invoice, verdicts[invoice]))
    return set(existing) | seen


def _plan_payments(db: Session, plan: Plan, rows: list[tuple[int, dict]], known: set[str], invoices: set[str]) -> None:
    existing = {p.idempotency_key: p for p in db.exec(
        select(Payment).where(col(Payment.idempotency_key).startswith("import:")))} if rows else {}
    seen: set[str] = set()
    for number, row in rows:
        key = row.get("payment_id", "")
        try:
            account, key = _row_ids(row, known, seen, "payment_id", "payments.csv")
            if row["invoice_number"] and row["invoice_number"] not in invoices:
                raise Refused(f"no invoice {row['invoice_number']!r} in invoices.csv or the portal")
            paid_on = _date(row["paid_on"], "paid_on")
            values = {"amount_cents": _money(row["amount"], "amount"),
                      "method_kind": _choice(row["method"], ("card", "ach"), "method", "card"),
                      "method_label": (row["method_label"] or "Paid before the portal")[:60]}
            if values["amount_cents"] <= 0:
                raise Refused("amount must be more than 0")
        except Refused as problem:
            _refuse(plan.report, "payments", number, key, str(problem))
            continue
        current = existing.get(f"import:{key}")
        if current is not None:
            before = {f: getattr(current, f) for f in values}
            if before != values:
                _refuse(plan.report, "payments", number, key,
                        "a payment already imported cannot change (record a refund or adjustment instead)")
            else:
                plan.report.rows.append(RowResult("payments", number, key, SAME))
            continue
        plan.report.rows.append(RowResult("payments", number, key, CREATE))
        moment = dt.datetime.combine(paid_on, dt.time(12), tzinfo=dt.UTC)
        plan.payments.append((account, {**values, "receipt_number": key, "idempotency_key": f"import:{key}",
                                        "status": "succeeded", "source": "import", "gateway": "import",
                                        "created_at": moment, "settled_at": moment}, row["invoice_number"]))


# --- applying ------------------------------------------------------------------------------------


def _history(db: Session, principal: Principal, entries: Iterable[tuple[int, str, str]]) -> None:
    now = utcnow()
    _bulk_insert(db, AccountHistory, [
        {"account_id": account_id, "occurred_at": now, "actor_kind": principal.kind,
         "actor_name": principal.display_name[:120], "kind": "import", "action": action, "entity_type": "",
         "entity_id": None, "summary": summary[:500]} for account_id, action, summary in entries])


def _service_changes(db: Session, principal: Principal, changes: list[tuple[str, str]], ids: dict[str, int],
                     source: str) -> None:
    """A service status the import changed (few accounts): its reason and time, and the service history,
    which also tells the provider's network (`service.suspended` / `service.restored`)."""
    now = utcnow()
    _bulk_update(db, Account, [{"id": ids[number], "service_status_reason": IMPORTED_SUSPENDED if status != "active" else "",
                                "service_status_changed_at": now} for number, status in changes])
    for number, status in changes:
        suspended = status == "suspended_nonpayment"
        data = {"service_status": status}
        if suspended:
            data["restore_url"] = quickpay.restore_link_url(number)
        history.record(db, principal=principal, account_id=ids[number], kind="service",
                       action="suspended" if suspended else "restored",
                       summary=(f"Service suspended for non-payment (imported from {source})" if suspended
                                else f"Service active (imported from {source})")[:500],
                       entity_type="account", entity_id=ids[number], webhook_data=data)


def _bulk_insert(db: Session, model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), 5000):
        db.execute(insert(model), rows[start:start + 5000])


def _bulk_update(db: Session, model: type, rows: list[dict]) -> None:
    """UPDATE ... WHERE id = :id for each row (one executemany per chunk)."""
    for start in range(0, len(rows), 5000):
        db.execute(update(model), rows[start:start + 5000])


def _apply(db: Session, principal: Principal, plan: Plan, source: str) -> None:
    """Write the plan with bulk statements (100,000 accounts in one transaction; see bench/)."""
    _bulk_insert(db, Account, plan.accounts_new)
    _bulk_update(db, Account, plan.accounts_changed)
    ids = dict(db.exec(select(Account.account_number, Account.id)).all())
    _history(db, principal, [(ids[a["account_number"]], "imported", f"Account created by the import from {source}")
                             for a in plan.accounts_new])
    _history(db, principal, [(a["id"], "import_changed", f"Account details updated by the import from {source}")
                             for a in plan.accounts_changed])
    _service_changes(db, principal, plan.service_changes, ids, source)

    last = max([t.sort_order for t in db.exec(select(ContactType))] or [0])
    _bulk_insert(db, ContactType, [{"name": n, "sort_order": last + i} for i, n in enumerate(plan.new_types, 1)])
    type_ids = {t.name.casefold(): t.id for t in db.exec(select(ContactType))}
    contact_rows = []
    for account, named, _, contact_id in plan.contacts:
        values = {k: v for k, v in named.items() if k != "type_name"}
        values["contact_type_id"] = type_ids.get(named["type_name"].casefold()) if named["type_name"] else None
        contact_rows.append((account, values, contact_id))
    _bulk_insert(db, Contact, [{"account_id": ids[a], "created_at": utcnow(), **v}
                               for a, v, c in contact_rows if c is None])
    _bulk_update(db, Contact, [{"id": c, **v} for _, v, c in contact_rows if c is not None])
    changed = [c for *_, c in plan.contacts if c is not None]
    for start in range(0, len(changed), 5000):
        db.execute(delete(ContactPoint).where(col(ContactPoint.contact_id).in_(changed[start:start + 5000])))
    contact_ids = {(a, e): i for i, a, e in db.exec(select(Contact.id, Contact.account_id, Contact.external_id)
                                                     .where(Contact.external_id != ""))} if plan.contacts else {}
    _bulk_insert(db, ContactPoint, [
        {"contact_id": contact_ids[(ids[a], v["external_id"])], "account_id": ids[a], "kind": kind, "value": value,
         "label": "Imported"} for a, v, found, _ in plan.contacts for kind, value in found])
    _history(db, principal, [(ids[a], "import_contact", f"Contact {v['first_name']} {v['last_name']} "
                              f"{'added' if c is None else 'updated'} by the import") for a, v, _, c in plan.contacts])

    _bulk_insert(db, AccountService, [{"account_id": ids[a], "billable": True, **v}
                                      for a, v, s in plan.services if s is None])
    _bulk_update(db, AccountService, [{"id": s, **v} for _, v, s in plan.services if s is not None])
    _history(db, principal, [(ids[a], "import_service", f"Service {v['name']} {'added' if s is None else 'updated'} "
                              f"by the import") for a, v, s in plan.services])

    _bulk_insert(db, Invoice, [{"account_id": ids[a], "created_at": utcnow(), **v}
                               for a, v, _, i in plan.invoices if i is None])
    _bulk_update(db, Invoice, [{"id": i, **v} for _, v, _, i in plan.invoices if i is not None])
    invoice_ids = dict(db.exec(select(Invoice.number, Invoice.id)).all()) if plan.invoices or plan.payments else {}
    relined = [invoice_ids[v["number"]] for _, v, given, _ in plan.invoices if given is not None]
    for start in range(0, len(relined), 5000):
        db.execute(delete(InvoiceLine).where(col(InvoiceLine.invoice_id).in_(relined[start:start + 5000])))
    _bulk_insert(db, InvoiceLine, [{"invoice_id": invoice_ids[v["number"]], **line}
                                   for _, v, given, _ in plan.invoices for line in given or []])
    _history(db, principal, [(ids[a], "import_invoice", f"Invoice {v['number']} {'added' if i is None else 'updated'} "
                              f"by the import") for a, v, _, i in plan.invoices])

    _bulk_insert(db, Payment, [{"account_id": ids[a], **v} for a, v, _ in plan.payments])
    if plan.payments:
        payment_ids = dict(db.exec(select(Payment.idempotency_key, Payment.id)
                                   .where(col(Payment.idempotency_key).startswith("import:"))).all())
        _bulk_insert(db, PaymentAllocation, [
            {"payment_id": payment_ids[v["idempotency_key"]], "invoice_id": invoice_ids[n], "amount_cents": v["amount_cents"]}
            for _, v, n in plan.payments if n])
    _history(db, principal, [(ids[a], "import_payment", f"Payment {v['receipt_number']} of "
                              f"{formatting.money(v['amount_cents'])} recorded by the import") for a, v, _ in plan.payments])


def run_import(db: Session, *, principal: Principal, files: dict[str, str], apply: bool,
               source: str = "CSV files") -> ImportReport:
    """Plan every row of the given files (kind -> CSV text); apply only when asked and nothing is refused.

    An admin (the upload page) or the command line (a system principal on the server) may import.
    The caller commits; on a refusal nothing has been written.
    """
    if principal.kind != "system":
        require_staff(principal, role=ADMIN, what="import")
    unknown = set(files) - set(KINDS)
    report = ImportReport(problems=[f"{kind}: not a kind of file the import knows" for kind in sorted(unknown)])
    rows = {kind: read_csv(kind, files[kind], report) if kind in files else [] for kind in KINDS}
    plan = Plan(report=report)
    known = _plan_accounts(db, plan, rows["accounts"])
    _plan_contacts(db, plan, rows["contacts"], known)
    _plan_services(db, plan, rows["services"], known)
    invoices = _plan_invoices(db, plan, rows["invoices"], rows["invoice_lines"], known)
    _plan_payments(db, plan, rows["payments"], known, invoices)
    report.rows.sort(key=lambda r: (KINDS.index(r.kind), r.row))
    if apply and report.ok:
        _apply(db, principal, plan, source)
        report.applied = True
    staff_audit.record(db, principal=principal, action="import.apply" if report.applied else "import.dry_run",
                       target=source, detail=report.summary())
    return report


def report_csv(report: ImportReport) -> str:
    """The whole report, one line per row, for the command line's --report file and the page's download."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "row", "key", "outcome", "reason"])
    for r in report.rows:
        writer.writerow([f"{r.kind}.csv", r.row, r.key, r.outcome, r.reason])
    return out.getvalue()


# --- the admin upload page: files are kept as a batch between the dry run and the apply ----------

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def may_import(db: Session, *, principal: Principal) -> None:
    """Admins only (the page asks before anyone chooses a file)."""
    require_staff(principal, role=ADMIN, what="import")


def stage_upload(db: Session, *, principal: Principal, files: dict[str, bytes]) -> int:
    """Keep uploaded files (file name -> bytes) for a dry run and a later apply; returns the batch id."""
    require_staff(principal, role=ADMIN, what="import")
    texts: dict[str, str] = {}
    for name, data in files.items():
        kind = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower().removesuffix(".csv")
        if kind not in KINDS:
            raise FieldErrors({"files": f"{name}: name the files {', '.join(k + '.csv' for k in KINDS)}."})
        try:
            texts[kind] = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FieldErrors({"files": f"{name} is not UTF-8 text (save it as CSV UTF-8)."}) from None
    if not texts:
        raise FieldErrors({"files": "Choose one or more CSV files."})
    batch = ImportBatch(staff_user_id=principal.staff_user_id, files_json=json.dumps(texts),
                        file_names=", ".join(f"{k}.csv" for k in texts)[:500])
    db.add(batch)
    db.flush()
    return batch.id


def run_batch(db: Session, *, principal: Principal, batch_id: int, apply: bool) -> tuple[str, ImportReport]:
    """Dry run or apply one of the principal's own uploads; (file names, report)."""
    require_staff(principal, role=ADMIN, what="import")
    batch = db.exec(select(ImportBatch).where(ImportBatch.id == batch_id,
                                              ImportBatch.staff_user_id == principal.staff_user_id)).first()
    if batch is None:
        raise NotFound("upload")
    report = run_import(db, principal=principal, files=json.loads(batch.files_json), apply=apply,
                        source=f"upload {batch.id} ({batch.file_names})")
    if report.applied:
        batch.applied_at = utcnow()
        db.add(batch)
    return batch.file_names, report
