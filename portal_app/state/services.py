"""Services page, one contract's page (read and sign) and the after-sign-in contract prompt."""

from __future__ import annotations

from urllib.parse import parse_qs

import reflex as rx

from portal_app.services.orders import account_services, contracts, holds, package_change
from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.services.core import formatting
from portal_app.services.core.provider_settings import provider_settings
from portal_app.state.dialogs import LaterReminder
from portal_app.state.session import SessionState
from portal_app.state.tickets import show_day, show_time
from portal_app.services.core.access import FULL
from portal_app.state.signed_in import signed_in_event



def _query_id(router) -> int | None:
    raw = (parse_qs(router.url.query).get("id") or [""])[0]
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def contract_row(c) -> dict[str, str]:
    signed = c.status == "signed"
    return {"id": str(c.id), "title": c.title, "status": "Signed" if signed else "Waiting for your signature",
            "signed": "yes" if signed else "", "href": f"/contract?id={c.id}",
            "when": show_day(c.signed_at) if signed else show_day(c.created_at)}


class ServicesState(SessionState):
    packages: list[dict] = []
    others: list[dict] = []
    contracts: list[dict[str, str]] = []
    open_id: str = ""
    can_change: bool = False
    hold_offered: bool = False  # the provider offers vacation holds, or the account has one
    hold_text: str = ""  # the account's hold waiting, approved or in force, in words
    loaded: bool = False

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        lines = account_services.account_services(db, principal=principal)
        self.contracts = [contract_row(c) for c in contracts.contracts(db, principal=principal)]
        settings = provider_settings(db)
        self.can_change = settings.allow_service_change
        hold = holds.open_hold(db, principal.account_id)
        self.hold_offered = settings.hold_allowed or hold is not None
        self.hold_text = (f"{holds.span(hold.starts_on, hold.ends_on)}: {holds.STATUS_WORDS[hold.status].lower()}"
                          if hold is not None else "")
        pending = package_change.pending_change(db, principal=principal)

        def change_of(line) -> dict[str, str]:
            # A package change in progress: say so on its line and link its order; no second CHANGE.
            if pending is None or line.package_id is None or line.package_id != pending.service_package_id:
                return {"change": "", "change_href": ""}
            return {"change": f"Change to {pending.new_name} pending",
                    "change_href": f"/orders#order-{pending.workflow_id}"}

        rows = [{"id": str(s.id), "name": s.name, "price": formatting.money(s.monthly_price_cents) + "/mo" if s.billable else "Included",
                 "status": "Pending" if s.status == "pending" else "", "speed": s.speed,
                 "package": "yes" if s.package_id else "", **change_of(s),
                 "items": [{"name": i.name, "detail": i.detail, "price": formatting.money(i.price_cents) if i.price_cents else "Included"}
                           for i in s.items]}
                for s in lines]
        self.packages = [r for s, r in zip(lines, rows) if s.billable]
        self.others = [r for s, r in zip(lines, rows) if not s.billable]
        self.open_id = ""
        self.loaded = True

    @rx.event
    def toggle(self, service_id: str):
        service_id = str(service_id)
        if not any(p["id"] == service_id for p in self.packages + self.others):
            return
        self.open_id = "" if self.open_id == service_id else service_id


class ContractState(SessionState):
    found: bool = False
    loaded: bool = False
    contract_id: str = ""
    title: str = ""
    paragraphs: list[str] = []
    signed: bool = False
    signer_name: str = ""
    signed_at: str = ""
    signer_ip: str = ""
    sha256: str = ""
    today: str = ""
    err_signer_name: str = ""
    err_consent: str = ""
    err_form: str = ""
    notice: str = ""
    _contract_id: int | None = None

    def _show(self, db, principal) -> None:
        row = contracts.contract(db, principal=principal, contract_id=self._contract_id or 0)
        self.contract_id = str(row.id)
        self.title = row.title
        self.paragraphs = [p.strip() for p in row.body_text.split("\n\n") if p.strip()]
        self.signed = row.status == "signed"
        self.signer_name = row.signer_name
        self.signed_at = show_time(row.signed_at) if row.signed_at else ""
        self.signer_ip = row.signer_ip
        self.sha256 = row.signed_text_sha256
        self.found = True

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.err_signer_name = self.err_consent = self.err_form = self.notice = ""
        self.today = formatting.date(provider_today(), 'long')
        self._contract_id = _query_id(self.router)
        try:
            self._show(db, principal)
        except NotFound:
            self.found, self.title, self.paragraphs = False, "", []
        self.loaded = True

    def _show_problem(self, problem: Exception) -> None:
        if isinstance(problem, FieldErrors):
            self.err_signer_name = problem.errors.get("signer_name", "")
            self.err_consent = problem.errors.get("consent", "")
        else:
            self.err_form = str(problem)

    @rx.event
    @signed_in_event(needs=FULL)
    def sign(self, db, principal, form: dict):
        if self._contract_id is None:
            return
        self.err_signer_name = self.err_consent = self.err_form = ""
        contracts.sign_contract(db, principal=principal, contract_id=self._contract_id,
                                typed_name=str(form.get("signer_name", ""))[:400],
                                consent=bool(form.get("consent")),
                                client_ip=self.router.session.client_ip,
                                user_agent=self.router.headers.user_agent)
        self._show(db, principal)
        self.notice = "Thank you. The contract is signed; a signed copy is ready to download."


class ContractReminderState(LaterReminder, SessionState):
    """After sign-in: a card offering to sign a pending contract, until it is signed or put off with
    "Later" (for the rest of this session), the same as the scheduling reminder."""

    contract_open: bool = False
    contract_title: str = ""
    contract_href: str = ""

    def _pending(self, db, principal):
        return contracts.pending_contract(db, principal=principal)

    def _remind(self, pending) -> None:
        self.contract_open = pending is not None
        self.contract_title = pending.title if pending is not None else ""
        self.contract_href = f"/contract?id={pending.id}" if pending is not None else ""

    @rx.event
    @signed_in_event
    def dismiss(self, db, principal):
        self._put_off(principal)
