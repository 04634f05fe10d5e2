"""Outage and maintenance notices: staff post one for some service areas (or everywhere), add updates
and mark it restored; subscribers in those areas see it on every page and are told on their chosen
channels at each step; everyone else sees nothing of it. Open notices are public on /status.

Each step's messages are written in the same transaction as the step (services/notify/send.py),
keyed by notice and step, so a repeated click never tells anyone twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from portal_app.integrations.sms import shorten
from portal_app.models import Account, OutageNotice, OutageNoticeArea, OutageUpdate, ServiceArea, utcnow
from portal_app.services.core import live
from portal_app.services.core.access import ADMIN, require_staff, row_or_not_found
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.principal import Principal
from portal_app.services.core import formatting
from portal_app.services.notify.send import send_many
from portal_app.services.staff import staff_audit
from portal_app.theming import current_theme
from portal_app.services.core.i18n import N_, _

KINDS = {"outage": N_("Service problem"), "maintenance": N_("Planned maintenance")}
TITLE_MAX = 80
DETAILS_MAX = 1000
UPDATE_MAX = 500
RECENT = dt.timedelta(days=2)  # restored notices stay on the status page this long


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: str
    kind_label: str
    title: str
    details: str
    starts: str  # in the provider's time zone, for people
    expected_end: str  # "" when unknown
    areas: str  # "Austin Metro, Round Rock" or "All areas"
    status: str  # open | restored
    restored: str  # when, for people; "" while open
    latest: str  # the newest update's words, "" when none
    updates: list[tuple[str, str]]  # (when, words), oldest first
    started: bool  # has it begun (a planned maintenance may be ahead)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_theme().timezone)


def _local_text(moment: dt.datetime | None) -> str:
    return formatting.formatter().moment(moment, "MMMEd", zone_name=True) if moment is not None else ""


def parse_local(value: str, field: str) -> dt.datetime:
    """A `datetime-local` field ("2026-12-01T14:30"), read in the provider's time zone, as UTC."""
    try:
        moment = dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldErrors({field: "Enter a date and time."}) from None
    if moment.tzinfo is not None:
        raise FieldErrors({field: "Enter a date and time."})
    return moment.replace(tzinfo=_zone()).astimezone(dt.UTC)


def _views(db: Session, notices: list[OutageNotice], now: dt.datetime) -> list[NoticeView]:
    """Views of `notices` with their areas and updates in two queries."""
    ids = [n.id for n in notices]
    if not ids:
        return []
    areas: dict[int, list[str]] = {}
    for notice_id, name in db.exec(select(OutageNoticeArea.notice_id, ServiceArea.name)
                                   .join(ServiceArea, col(ServiceArea.id) == OutageNoticeArea.service_area_id)
                                   .where(col(OutageNoticeArea.notice_id).in_(ids)).order_by(col(ServiceArea.name))):
        areas.setdefault(notice_id, []).append(name)
    updates: dict[int, list[tuple[str, str]]] = {}
    for row in db.exec(select(OutageUpdate).where(col(OutageUpdate.notice_id).in_(ids))
                       .order_by(col(OutageUpdate.posted_at), col(OutageUpdate.id))):
        updates.setdefault(row.notice_id, []).append((_local_text(row.posted_at), row.message))
    return [NoticeView(id=n.id, kind=n.kind, kind_label=KINDS.get(n.kind, n.kind), title=n.title, details=n.details,
                       starts=_local_text(n.starts_at), expected_end=_local_text(n.expected_end_at),
                       areas=N_("All areas") if n.all_areas else ", ".join(areas.get(n.id, [])), status=n.status,
                       restored=_local_text(n.restored_at), latest=(updates.get(n.id) or [("", "")])[-1][1],
                       updates=updates.get(n.id, []), started=n.starts_at <= now)
            for n in notices]


def _affecting(area_id: int | None):
    """Open notices that reach an account in `area_id` (None: in no area, so only provider-wide ones)."""
    query = select(OutageNotice).where(OutageNotice.status == "open")
    if area_id is None:
        return query.where(col(OutageNotice.all_areas).is_(True))
    in_area = select(OutageNoticeArea.notice_id).where(OutageNoticeArea.service_area_id == area_id)
    return query.where(or_(col(OutageNotice.all_areas).is_(True), col(OutageNotice.id).in_(in_area)))


@dataclass(frozen=True)
class Banner:
    id: int
    kind: str
    heading: str  # "Service problem in your area: Fiber cut on Main St"
    when: str  # "Since Tue, Jun 2, 2:10 PM CDT · expected back Tue, Jun 2, 6:00 PM CDT"
    latest: str


def area_of(db: Session, *, account_id: int | None) -> int | None:
    """The account's service area (the account row is already in the session after `banners`)."""
    account = db.get(Account, account_id) if account_id is not None else None
    return account.service_area_id if account is not None else None


def banners(db: Session, *, account_id: int | None, now: dt.datetime | None = None) -> list[Banner]:
    """What a signed-in subscriber sees on every page: the open notices for their area (one query;
    the account row is already in the session)."""
    if account_id is None:
        return []
    account = db.get(Account, account_id)
    if account is None:
        return []
    now = now or utcnow()
    notices = list(db.exec(_affecting(account.service_area_id).order_by(col(OutageNotice.starts_at))))
    latest: dict[int, str] = {}
    if notices:
        for row in db.exec(select(OutageUpdate).where(col(OutageUpdate.notice_id).in_([n.id for n in notices]))
                           .order_by(col(OutageUpdate.posted_at), col(OutageUpdate.id))):
            latest[row.notice_id] = row.message
    shown = []
    for notice in notices:
        started = notice.starts_at <= now
        # Whole sentences, so each reads naturally in the subscriber's language (the state translates them).
        if notice.kind == "outage":
            heading = (_("Service problem for all customers: %(title)s", title=notice.title) if notice.all_areas
                       else _("Service problem in your area: %(title)s", title=notice.title))
        else:
            heading = (_("Planned maintenance for all customers: %(title)s", title=notice.title) if notice.all_areas
                       else _("Planned maintenance in your area: %(title)s", title=notice.title))
        start = _local_text(notice.starts_at)
        when = _("Since %(start)s", start=start) if started else _("Starts %(start)s", start=start)
        if notice.expected_end_at is not None:
            when = _("%(when)s · expected back %(end)s", when=when, end=_local_text(notice.expected_end_at))
        shown.append(Banner(id=notice.id, kind=notice.kind, heading=heading, when=when, latest=latest.get(notice.id, "")))
    return shown


def public_notices(db: Session, *, now: dt.datetime | None = None) -> list[NoticeView]:
    """The status page (no sign-in): every open notice and those restored in the last two days."""
    now = now or utcnow()
    notices = list(db.exec(select(OutageNotice).where(or_(
        OutageNotice.status == "open", col(OutageNotice.restored_at) >= now - RECENT))
        .order_by(col(OutageNotice.status), col(OutageNotice.starts_at).desc())))
    return _views(db, notices, now)


def staff_notices(db: Session, *, principal: Principal, now: dt.datetime | None = None) -> list[NoticeView]:
    require_staff(principal, role=ADMIN, what="outage notices")
    now = now or utcnow()
    notices = list(db.exec(select(OutageNotice).where(or_(
        OutageNotice.status == "open", col(OutageNotice.restored_at) >= now - dt.timedelta(days=30)))
        .order_by(col(OutageNotice.status), col(OutageNotice.posted_at).desc()).limit(50)))
    return _views(db, notices, now)


def service_areas(db: Session, *, principal: Principal) -> list[tuple[int, str]]:
    require_staff(principal, role=ADMIN, what="outage notices")
    return [(area.id, area.name) for area in db.exec(select(ServiceArea).order_by(col(ServiceArea.name)))]


def _recipients(db: Session, notice: OutageNotice) -> list[int]:
    query = select(Account.id).where(Account.status == "active")
    if not notice.all_areas:
        areas = select(OutageNoticeArea.service_area_id).where(OutageNoticeArea.notice_id == notice.id)
        query = query.where(col(Account.service_area_id).in_(areas))
    return list(db.exec(query.order_by(col(Account.id))))


def _tell(db: Session, notice: OutageNotice, *, stage: str, key: str, update: str = "") -> int:
    context = {"stage": stage, "kind": notice.kind, "title": notice.title, "details": notice.details,
               "starts_at": notice.starts_at, "expected_end_at": notice.expected_end_at,
               "restored_at": notice.restored_at, "update": update,
               "sms_title": shorten(notice.title, 40), "sms_update": shorten(update, 100)}
    accounts = _recipients(db, notice)
    live.areas_changed(db, kind="outage", area_ids=None if notice.all_areas else list(db.exec(
        select(OutageNoticeArea.service_area_id).where(OutageNoticeArea.notice_id == notice.id))))
    return len(send_many(db, account_ids=accounts, event="outage", template="outage", context=context, key=key))


def _notice(db: Session, notice_id: object) -> OutageNotice:
    notice = row_or_not_found(db, OutageNotice, notice_id, "notice")
    return notice


def post_notice(db: Session, *, principal: Principal, kind: str, title: str, details: str, starts_at: str,
                expected_end: str, area_ids: list[object], all_areas: bool) -> tuple[OutageNotice, int]:
    """Post a notice and tell everyone it reaches; returns it and how many messages went out."""
    require_staff(principal, role=ADMIN, what="outage notices")
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = "Choose a service problem or planned maintenance."
    title = " ".join(str(title).split())
    if not 3 <= len(title) <= TITLE_MAX:
        errors["title"] = f"Say what is wrong in 3 to {TITLE_MAX} characters (customers see it on every page)."
    details = str(details).strip()
    if len(details) > DETAILS_MAX:
        errors["details"] = f"At most {DETAILS_MAX} characters."
    try:
        starts = parse_local(starts_at, "starts_at")
    except FieldErrors as problem:
        errors.update(problem.errors)
        starts = None
    ends = None
    if str(expected_end).strip():
        try:
            ends = parse_local(expected_end, "expected_end")
        except FieldErrors as problem:
            errors.update(problem.errors)
        if ends is not None and starts is not None and ends <= starts:
            errors["expected_end"] = "The expected end must be after the start."
    known = {area_id for area_id, _ in service_areas(db, principal=principal)}
    chosen = sorted({int(a) for a in area_ids if str(a).isdigit() and int(a) in known})
    if not all_areas and not chosen:
        errors["areas"] = "Choose the service areas it affects, or all areas."
    if errors:
        raise FieldErrors(errors)
    notice = OutageNotice(kind=kind, title=title, details=details, starts_at=starts, expected_end_at=ends,
                          all_areas=bool(all_areas), posted_by=principal.display_name[:120])
    db.add(notice)
    db.flush()
    if not all_areas:
        db.add_all(OutageNoticeArea(notice_id=notice.id, service_area_id=area_id) for area_id in chosen)
        db.flush()
    sent = _tell(db, notice, stage="posted", key=f"outage:{notice.id}:posted")
    staff_audit.record(db, principal=principal, action="outage.post", target=f"notice {notice.id}",
                       detail=f"{KINDS[kind]}: {title} ({'all areas' if all_areas else len(chosen)} areas); "
                              f"messages: {sent}")
    return notice, sent


def add_update(db: Session, *, principal: Principal, notice_id: object, message: str,
               expected_end: str = "") -> tuple[OutageUpdate, int]:
    """A later word on an open notice (and, optionally, a new expected end), sent to everyone it reaches."""
    require_staff(principal, role=ADMIN, what="outage notices")
    notice = _notice(db, notice_id)
    if notice.status != "open":
        raise PortalError("This notice is closed: service was restored.")
    text = " ".join(str(message).split())
    errors = {} if 3 <= len(text) <= UPDATE_MAX else {"update": f"Write the update in 3 to {UPDATE_MAX} characters."}
    if str(expected_end).strip():
        try:
            ends = parse_local(expected_end, "update_end")
            if ends <= notice.starts_at:
                errors["update_end"] = "The expected end must be after the start."
            else:
                notice.expected_end_at = ends
        except FieldErrors as problem:
            errors.update(problem.errors)
    if errors:
        raise FieldErrors(errors)
    row = OutageUpdate(notice_id=notice.id, message=text, posted_by=principal.display_name[:120])
    db.add(row)
    db.add(notice)
    db.flush()
    sent = _tell(db, notice, stage="update", key=f"outage:{notice.id}:update:{row.id}", update=text)
    staff_audit.record(db, principal=principal, action="outage.update", target=f"notice {notice.id}",
                       detail=f"{text[:400]}; messages: {sent}")
    return row, sent


def restore(db: Session, *, principal: Principal, notice_id: object, now: dt.datetime | None = None) -> int:
    """Service is back: the notice closes (the banner goes) and everyone it reached is told."""
    require_staff(principal, role=ADMIN, what="outage notices")
    notice = _notice(db, notice_id)
    now = now or utcnow()
    closed = db.execute(update(OutageNotice).where(col(OutageNotice.id) == notice.id, OutageNotice.status == "open")
                        .values(status="restored", restored_at=now).execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        return 0  # a second click (or a colleague's): already restored and told
    db.refresh(notice)
    sent = _tell(db, notice, stage="restored", key=f"outage:{notice.id}:restored")
    staff_audit.record(db, principal=principal, action="outage.restore", target=f"notice {notice.id}",
                       detail=f"{notice.title}: restored; messages: {sent}")
    return sent
