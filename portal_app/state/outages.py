"""Outage notices: staff post, update and restore them (admins); anyone reads the open ones on /status;
staff read an account's notifications and choices."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import asdict
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from portal_app.models import session_scope
from portal_app.services.core.principal import Principal
from portal_app.services.notify import log, outages, preferences
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffAccountPage, StaffPage, StaffSessionState
from portal_app.theming import current_theme
from portal_app.state.language import LanguageState


def _messages(count: int) -> str:
    return "1 message is" if count == 1 else f"{count} messages are"


def _notice_dict(view: outages.NoticeView) -> dict:
    data = asdict(view)
    data["id"] = str(view.id)  # compared with what the page sends back as text
    data["updates"] = [{"when": when, "text": text} for when, text in view.updates]
    return data


class StaffOutagesState(StaffPage, StaffSessionState):
    notices: list[dict] = []
    areas: list[dict[str, str]] = []
    form_key: int = 0  # a new key empties the post form after a notice went out
    default_start: str = ""  # now, in the provider's time zone, for the datetime-local field
    update_error_for: str = ""  # the notice whose update form was refused

    def _clear(self) -> None:
        super()._clear()
        self.update_error_for = ""

    def _reload(self, db: Session, principal: Principal) -> None:
        self.notices = [_notice_dict(v) for v in outages.staff_notices(db, principal=principal)]
        self.areas = [{"id": str(i), "name": name} for i, name in outages.service_areas(db, principal=principal)]
        self.default_start = dt.datetime.now(ZoneInfo(current_theme().timezone)).replace(tzinfo=None).isoformat(timespec="minutes")

    @rx.event
    @signed_in_event
    def post(self, db: Session, principal: Principal, form_data: dict):
        area_ids = [key[len("area_"):] for key, value in form_data.items() if key.startswith("area_") and value]
        posted, sent = outages.post_notice(
            db, principal=principal, kind=str(form_data.get("kind", "")), title=str(form_data.get("title", ""))[:200],
            details=str(form_data.get("details", ""))[:2000], starts_at=str(form_data.get("starts_at", ""))[:40],
            expected_end=str(form_data.get("expected_end", ""))[:40], area_ids=area_ids[:200],
            all_areas=bool(form_data.get("all_areas")))
        self.form_key += 1
        self._done(db, principal, f"Posted “{posted.title}”. {_messages(sent)} on their way.")

    @rx.event
    @signed_in_event
    def add_update(self, db: Session, principal: Principal, form_data: dict):
        notice_id = str(form_data.get("notice_id", ""))[:12]
        self.update_error_for = notice_id  # stays only if the update is refused (its message goes under it)
        _, sent = outages.add_update(db, principal=principal, notice_id=notice_id,
                                     message=str(form_data.get("update", ""))[:1000],
                                     expected_end=str(form_data.get("update_end", ""))[:40])
        self._done(db, principal, f"Update sent: {_messages(sent)} on their way.")

    @rx.event
    @signed_in_event
    def restore(self, db: Session, principal: Principal, notice_id: str):
        sent = outages.restore(db, principal=principal, notice_id=str(notice_id)[:12])
        self._done(db, principal, f"Marked restored: the banner is gone and {_messages(sent)} on their way.")


class StaffAccountNotificationsState(StaffAccountPage, StaffSessionState):
    """Staff: what an account was sent (with each message's delivery) and what it chose."""

    sent: list[dict[str, str]] = []
    choices: list[dict] = []
    paperless: bool = True
    sms_phone: str = ""
    sms_opted_out: bool = False
    quiet: str = ""

    def _reload(self, db: Session, principal: Principal) -> None:
        account, rows = log.sent_to_account(db, principal=principal, account_number=self.account_number)
        view = preferences.account_preferences(db, principal=principal, account_number=self.account_number)
        self.account_name = account.display_name
        self.sent = [{k: str(v) for k, v in asdict(row).items()} for row in rows]
        self.choices = [asdict(row) for row in view.rows]
        self.paperless, self.sms_phone, self.sms_opted_out = view.paperless, view.sms_phone, view.sms_opted_out
        self.quiet = f"{view.quiet_start}-{view.quiet_end} {view.zone}" if view.quiet_hours else "off"

    def _empty(self) -> None:
        self.sent, self.choices, self.sms_phone, self.quiet = [], [], "", ""

    @rx.event
    @signed_in_event
    def load(self, db: Session, principal: Principal):
        self._open(db, principal)
        self.loaded = True


def _public_notices() -> list[dict]:
    with session_scope() as db:
        return [_notice_dict(v) for v in outages.public_notices(db)]


class StatusState(LanguageState):
    """The public status page: no sign-in, nothing about any account; in the tab's language."""

    notices: list[dict] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        self.notices = [{**n, "kind_label": self._t(n["kind_label"]), "areas": self._t(n["areas"])}
                        for n in await asyncio.to_thread(_public_notices)]
        self.loaded = True
