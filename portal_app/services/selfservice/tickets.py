"""Support tickets: the subscriber's read-only history, new tickets and replies; staff notes and status.

Only notes marked public ever leave this module for a subscriber: `ticket_detail` filters them
in SQL, so no caller can forget to.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.models import Account, Ticket, TicketNote, utcnow
from portal_app.services.core import history, live
from portal_app.services.core.access import FULL, require_role, access_account, access_ticket, require_staff
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.i18n import _, N_
from portal_app.services.core.principal import Principal
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.notify.send import send

CATEGORIES = (N_("General"), N_("Billing"), N_("Technical"), N_("Installation"))
STATUSES = ("open", "pending", "closed")
SUBJECT_MAX = 200
BODY_MAX = 5000
# Shown on Tickets, and given as the refusal, while ProviderSettings.allow_ticket_creation is off.
CREATION_OFF = _("New tickets are not taken online. Please call us instead.")


@dataclass(frozen=True)
class TicketRow:
    id: int
    number: str
    category: str
    subject: str
    status: str
    opened_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class NoteView:
    id: int
    body: str
    author_name: str
    author_kind: str
    is_public: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class TicketDetail:
    ticket: TicketRow
    notes: tuple[NoteView, ...]  # oldest first, newest last
    can_reply: bool


def _row(ticket: Ticket) -> TicketRow:
    return TicketRow(id=ticket.id, number=ticket.number, category=ticket.category, subject=ticket.subject,
                     status=ticket.status, opened_at=ticket.opened_at, updated_at=ticket.updated_at)


def _note_view(note: TicketNote) -> NoteView:
    return NoteView(id=note.id, body=note.body, author_name=note.author_name, author_kind=note.author_kind,
                    is_public=note.is_public, created_at=note.created_at)


# --- subscriber -----------------------------------------------------------------------------


def list_tickets(db: Session, *, principal: Principal) -> list[TicketRow]:
    account = access_account(db, principal)
    rows = db.exec(
        select(Ticket).where(Ticket.account_id == account.id)
        .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
    )
    return [_row(t) for t in rows]


def ticket_detail(db: Session, *, principal: Principal, ticket_id: int) -> TicketDetail:
    """A subscriber's view of one ticket: public notes only, newest last."""
    ticket = access_ticket(db, principal, ticket_id)
    notes = db.exec(
        select(TicketNote).where(TicketNote.ticket_id == ticket.id, col(TicketNote.is_public).is_(True))
        .order_by(col(TicketNote.created_at), col(TicketNote.id))
    )
    return TicketDetail(ticket=_row(ticket), notes=tuple(_note_view(n) for n in notes),
                        can_reply=ticket.status != "closed")


# What a subscriber reads when a text field is empty or too long, per field (each a whole sentence to translate).
_EMPTY = {"subject": _("Enter a subject."), "description": _("Enter a description."), "reply": _("Enter a reply."),
          "body": _("Enter a note.")}
_TOO_LONG = {"subject": N_("Keep the subject under %(limit)s characters."),
             "description": N_("Keep the description under %(limit)s characters."),
             "reply": N_("Keep the reply under %(limit)s characters."),
             "body": N_("Keep the note under %(limit)s characters.")}


def _text(raw: str, field: str, limit: int, errors: dict[str, str]) -> str:
    value = (raw or "").strip()
    if not value:
        errors[field] = _EMPTY[field]
    elif len(value) > limit:
        errors[field] = _(_TOO_LONG[field].msgid, limit=limit)
    return value


def _next_number(db: Session) -> str:
    highest = 10000
    for number in db.exec(select(Ticket.number)):
        match = re.fullmatch(r"TKT-(\d+)", number)
        if match:
            highest = max(highest, int(match.group(1)))
    return f"TKT-{highest + 1}"


def open_ticket(db: Session, *, principal: Principal, category: str, subject: str, description: str) -> Ticket:
    require_role(principal, FULL)
    account = access_account(db, principal)
    if not provider_settings(db).allow_ticket_creation:
        raise PortalError(CREATION_OFF)
    errors: dict[str, str] = {}
    if category not in CATEGORIES:
        errors["category"] = _("Choose a category.")
    clean_subject = _text(subject, "subject", SUBJECT_MAX, errors)
    body = _text(description, "description", BODY_MAX, errors)
    if errors:
        raise FieldErrors(errors)
    now = utcnow()
    for _attempt in range(5):  # two tickets opened at the same moment may pick the same number: retry
        savepoint = db.begin_nested()
        try:
            ticket = Ticket(account_id=account.id, number=_next_number(db), category=category,
                            subject=clean_subject, status="open", opened_at=now, updated_at=now)
            db.add(ticket)
            db.flush()
        except IntegrityError:
            savepoint.rollback()
            continue
        savepoint.commit()
        break
    else:
        raise PortalError(_("The ticket could not be opened just now. Please try again."))
    db.add(TicketNote(ticket_id=ticket.id, body=body, is_public=True, author_kind="subscriber",
                      author_name=account.display_name, created_at=now))
    history.record(db, principal=principal, account_id=account.id, kind="ticket", action="opened",
                   summary=f"Ticket {ticket.number} opened: {clean_subject}", entity_type="ticket", entity_id=ticket.id)
    return ticket


def add_reply(db: Session, *, principal: Principal, ticket_id: int, body: str) -> TicketNote:
    require_role(principal, FULL)
    ticket = access_ticket(db, principal, ticket_id)
    if ticket.status == "closed":
        raise FieldErrors({"reply": _("This ticket is closed. Open a new ticket if you need more help.")})
    errors: dict[str, str] = {}
    text = _text(body, "reply", BODY_MAX, errors)
    if errors:
        raise FieldErrors(errors)
    account = db.get(Account, ticket.account_id)
    now = utcnow()
    note = TicketNote(ticket_id=ticket.id, body=text, is_public=True, author_kind="subscriber",
                      author_name=account.display_name, created_at=now)
    db.add(note)
    ticket.updated_at = now
    db.add(ticket)
    db.flush()
    history.record(db, principal=principal, account_id=ticket.account_id, kind="ticket", action="replied",
                   summary=f"Reply added to ticket {ticket.number}", entity_type="ticket", entity_id=ticket.id)
    return note


# --- staff ----------------------------------------------------------------------------------


def _staff_get(db: Session, ticket_id: int, account_id: int | None) -> Ticket:
    """The ticket, or NotFound; when the staff page names an account, the ticket must be on it."""
    ticket = db.get(Ticket, int(ticket_id))
    if ticket is None or (account_id is not None and ticket.account_id != account_id):
        raise NotFound(N_("ticket"))
    return ticket


def staff_ticket(db: Session, *, principal: Principal, ticket_id: int, account_id: int | None = None) -> TicketDetail:
    """Everything on a ticket, private notes included: staff only."""
    require_staff(principal)
    ticket = _staff_get(db, ticket_id, account_id)
    notes = db.exec(select(TicketNote).where(TicketNote.ticket_id == ticket.id)
                    .order_by(col(TicketNote.created_at), col(TicketNote.id)))
    return TicketDetail(ticket=_row(ticket), notes=tuple(_note_view(n) for n in notes), can_reply=True)


def staff_list_tickets(db: Session, *, principal: Principal, account_id: int) -> list[TicketRow]:
    require_staff(principal)
    rows = db.exec(select(Ticket).where(Ticket.account_id == account_id)
                   .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc()))
    return [_row(t) for t in rows]


def staff_add_note(db: Session, *, principal: Principal, ticket_id: int, body: str, public: bool,
                   account_id: int | None = None) -> TicketNote:
    """A staff note; a public one is emailed to the subscriber in the same transaction."""
    require_staff(principal)
    ticket = _staff_get(db, ticket_id, account_id)
    errors: dict[str, str] = {}
    text = _text(body, "body", BODY_MAX, errors)
    if errors:
        raise FieldErrors(errors)
    now = utcnow()
    note = TicketNote(ticket_id=ticket.id, body=text, is_public=bool(public), author_kind="staff",
                      author_name=principal.display_name, created_at=now)
    db.add(note)
    ticket.updated_at = now
    db.add(ticket)
    db.flush()
    history.record(db, principal=principal, account_id=ticket.account_id, kind="ticket",
                   action="public_note" if public else "private_note",
                   summary=f"{'Public' if public else 'Private'} note added to ticket {ticket.number}",
                   entity_type="ticket", entity_id=ticket.id)
    if public:
        live.account_changed(db, account_id=ticket.account_id, kind="ticket")
        send(db, account_id=ticket.account_id, event="ticket_update", template="ticket_note",
             key=f"ticket_note:{note.id}",
             context={"ticket_number": ticket.number, "ticket_subject": ticket.subject, "note": text})
    return note


def staff_set_status(db: Session, *, principal: Principal, ticket_id: int, status: str,
                     account_id: int | None = None) -> Ticket:
    require_staff(principal)
    ticket = _staff_get(db, ticket_id, account_id)
    if status not in STATUSES:
        raise FieldErrors({"status": "Choose open, pending or closed."})
    if status == ticket.status:
        return ticket
    before, ticket.status, ticket.updated_at = ticket.status, status, utcnow()
    db.add(ticket)
    history.record(db, principal=principal, account_id=ticket.account_id, kind="ticket", action=f"status_{status}",
                   summary=f"Ticket {ticket.number} status changed from {before} to {status}",
                   entity_type="ticket", entity_id=ticket.id)
    live.account_changed(db, account_id=ticket.account_id, kind="ticket")
    return ticket
