"""Contracts: list, read and e-sign within the signed-in account; the signed document's content."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlmodel import Session, col, select

from portal_app.integrations.contract_pdf import SignedContract
from portal_app.models import Account, Contract, utcnow
from portal_app.services.core import history
from portal_app.services.core.access import FULL, require_role, AGENT, access_account, access_contract, require_staff
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.i18n import _, N_
from portal_app.services.core.principal import Principal
from portal_app.services.notify.send import send

TITLE_MAX, BODY_MAX = 160, 20_000


def text_sha256(text: str) -> str:
    """The hash of the exact text the subscriber read (UTF-8), stored as signature evidence."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def contracts(db: Session, *, principal: Principal) -> list[Contract]:
    account = access_account(db, principal)
    query = select(Contract).where(Contract.account_id == account.id)
    return list(db.exec(query.order_by(col(Contract.created_at).desc(), col(Contract.id).desc())))


def pending_contract(db: Session, *, principal: Principal) -> Contract | None:
    """The oldest contract still waiting for the subscriber's signature (for the after-sign-in prompt)."""
    account = access_account(db, principal)
    query = select(Contract).where(Contract.account_id == account.id, Contract.status == "pending")
    return db.exec(query.order_by(col(Contract.created_at), col(Contract.id))).first()


def contract(db: Session, *, principal: Principal, contract_id: int) -> Contract:
    return access_contract(db, principal, contract_id)


def sign_contract(db: Session, *, principal: Principal, contract_id: int, typed_name: str, consent: bool,
                  client_ip: str, user_agent: str, now: dt.datetime | None = None) -> Contract:
    """Record the e-signature: the typed name, the time, the client address, the browser and the text's hash."""
    require_role(principal, FULL)
    row = access_contract(db, principal, contract_id)
    if principal.kind != "subscriber":
        raise NotFound(N_("contract"))
    if row.status == "signed":
        raise PortalError(_("This contract is already signed."))
    name = " ".join(str(typed_name or "").split())
    errors: dict[str, str] = {}
    if len(name) < 2:
        errors["signer_name"] = _("Type your full name to sign.")
    elif len(name) > 160:
        errors["signer_name"] = _("That name is too long (160 characters at most).")
    if not consent:
        errors["consent"] = _("Tick the box to agree to sign electronically.")
    if errors:
        raise FieldErrors(errors)
    row.status = "signed"
    row.signed_at = now or utcnow()
    row.signer_name = name
    row.signer_ip = str(client_ip or "")[:64]
    row.signer_user_agent = str(user_agent or "")[:300]
    row.signed_text_sha256 = text_sha256(row.body_text)
    db.add(row)
    history.record(db, principal=principal, account_id=row.account_id, kind="contract", action="signed",
                   summary=f"Contract signed by {name}: {row.title}", entity_type="contract", entity_id=row.id)
    return row


def signed_document(db: Session, *, principal: Principal, contract_id: int) -> SignedContract:
    """What the signed PDF shows; an unsigned contract has no signed document (not found)."""
    row = access_contract(db, principal, contract_id)
    if row.status != "signed" or row.signed_at is None:
        raise NotFound(N_("contract"))
    account = db.get(Account, row.account_id)
    return SignedContract(title=row.title, version=row.version, body_text=row.body_text,
                          account_number=account.account_number, account_name=account.display_name,
                          signer_name=row.signer_name, signed_at=row.signed_at, signer_ip=row.signer_ip,
                          signer_user_agent=row.signer_user_agent, sha256=row.signed_text_sha256)


def send_contract(db: Session, *, principal: Principal, account_id: int, title: str, body_text: str) -> Contract:
    """Staff put a contract in front of the subscriber: it waits on Services (and Home's reminder) for their
    signature, and they are told it is ready, in this transaction."""
    require_staff(principal, role=AGENT, what="contract")
    account = db.get(Account, account_id)
    if account is None:
        raise NotFound("account")
    name = " ".join(str(title or "").split())
    text = str(body_text or "").replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["title"] = "Give the contract a title."
    elif len(name) > TITLE_MAX:
        errors["title"] = f"Keep the title to {TITLE_MAX} characters."
    if len(text) < 20:
        errors["body_text"] = "Paste the contract's full text (20 characters at least)."
    elif len(text) > BODY_MAX:
        errors["body_text"] = f"The text is too long ({BODY_MAX:,} characters at most)."
    if errors:
        raise FieldErrors(errors)
    row = Contract(account_id=account.id, title=name, body_text=text, status="pending", created_at=utcnow())
    db.add(row)
    db.flush()
    history.record(db, principal=principal, account_id=account.id, kind="contract", action="sent",
                   summary=f"Contract sent to sign: {name}", entity_type="contract", entity_id=row.id)
    send(db, account_id=account.id, event="contract", template="contract", key=f"contract:{row.id}",
         context={"title": name, "contract_id": row.id})
    return row


def staff_contracts(db: Session, *, account_id: int) -> list[Contract]:
    """For staff views (the caller has checked the staff principal): every contract with its evidence."""
    query = select(Contract).where(Contract.account_id == account_id)
    return list(db.exec(query.order_by(col(Contract.created_at).desc(), col(Contract.id).desc())))
