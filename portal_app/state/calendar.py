"""Calendar page: the account's events as an agenda, FILTER by kind, tap for details and a link."""

from __future__ import annotations

import calendar as month_math
import datetime as dt

import reflex as rx

from portal_app.services.selfservice import calendar
from portal_app.services.core.clock import provider_today
from portal_app.state.session import SessionState
from portal_app.state.signed_in import signed_in_event
from portal_app.services.core import formatting
from portal_app.services.core.i18n import N_, _

MONTHS_BACK, MONTHS_AHEAD = 3, 6  # within the service's PAST_DAYS / FUTURE_DAYS window


class CalendarState(SessionState):
    items: list[dict[str, str]] = []
    kinds: list[str] = list(calendar.DEFAULT_KINDS)
    kind_options: list[dict[str, str]] = []
    expanded: str = ""
    filter_open: bool = False
    loaded: bool = False
    # the month view (tablets and desktops)
    month_offset: int = 0
    month_title: str = ""
    month_cells: list[dict[str, str]] = []
    detail_open: bool = False
    detail_title: str = ""
    detail_when: str = ""
    detail_text: str = ""
    detail_link: str = ""
    detail_link_label: str = ""

    def _month(self, events: list[dict], today: dt.date, formats: formatting.Formatter) -> None:
        year, month = divmod(today.year * 12 + today.month - 1 + self.month_offset, 12)
        first = dt.date(year, month + 1, 1)
        last = first.replace(day=month_math.monthrange(first.year, first.month)[1])
        start = first - dt.timedelta(days=(first.weekday() + 1) % 7)
        end = last + dt.timedelta(days=6 - (last.weekday() + 1) % 7)
        by_day: dict[dt.date, list[dict]] = {}
        for event in events:
            by_day.setdefault(event["day"], []).append(event)
        cells = []
        day = start
        while day <= end:
            todays = by_day.get(day, [])
            cell = {"iso": day.isoformat(), "day": str(day.day), "in_month": "yes" if day.month == first.month else "",
                    "today": "yes" if day == today else "",
                    "more": self._t(_("+%(count)s more", count=len(todays) - 2)) if len(todays) > 2 else ""}
            for n in (1, 2):
                event = todays[n - 1] if len(todays) >= n else None
                cell[f"e{n}_key"] = event["key"] if event else ""
                cell[f"e{n}_title"] = event["title"] if event else ""
                cell[f"e{n}_kind"] = event["kind"] if event else ""
            cells.append(cell)
            day += dt.timedelta(days=1)
        self.month_cells = cells
        self.month_title = formats.date(first, 'yMMMM')

    def _refresh(self, db, principal) -> None:
        today = provider_today()
        events = calendar.account_events(db, principal=principal, today=today, kinds=tuple(self.kinds))
        formats, say = formatting.for_principal(db, principal), self._t  # the subscriber's language
        self._month(events, today, formats)
        upcoming = [e for e in events if e["day"] >= today]
        earlier = sorted((e for e in events if e["day"] < today), key=lambda e: (e["day"], e["time"]), reverse=True)
        rows: list[dict[str, str]] = []
        self.kind_options = [{"id": kind, "name": say(label)} for kind, label in calendar.KINDS.items()]
        for section, group in ((say(N_("Coming up")), upcoming), (say(N_("Earlier")), earlier)):
            last_day = None
            for index, event in enumerate(group):
                rows.append({
                    "key": event["key"], "kind": event["kind"], "kind_label": say(calendar.KINDS[event["kind"]]),
                    "section": section if index == 0 else "",
                    "date": formats.date(event['day'], 'yMMMEd') if event["day"] != last_day else "",
                    "title": say(event["title"]), "time": event["time"], "detail": say(event["detail"]),
                    "when": formats.date(event['day'], 'yMMMEd') + (f", {event['time']}" if event["time"] else ""),
                    "link": event["link"], "link_label": say(event["link_label"]),
                })
                last_day = event["day"]
        self.items = rows
        self.loaded = True

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.expanded, self.filter_open, self.detail_open, self.month_offset = "", False, False, 0
        self._refresh(db, principal)

    @rx.event
    def toggle(self, key: str):
        """Tap an item: its details and link open below it; tap again to close."""
        self.expanded = "" if self.expanded == str(key) else str(key)

    @rx.event
    def show_item(self, key: str):
        """Tap an item in the month view: its details and link in a dialog."""
        item = next((i for i in self.items if i["key"] == str(key)), None)
        if item is None:
            return
        self.detail_title, self.detail_when, self.detail_text = item["title"], item["when"], item["detail"]
        self.detail_link, self.detail_link_label = item["link"], item["link_label"]
        self.detail_open = True

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)

    @rx.event
    @signed_in_event
    def change_month(self, db, principal, step: int):
        self.month_offset = max(-MONTHS_BACK, min(MONTHS_AHEAD, self.month_offset + int(step)))
        self._refresh(db, principal)

    @rx.event
    def set_filter_open(self, value: bool):
        self.filter_open = bool(value)

    @rx.event
    @signed_in_event
    def toggle_kind(self, db, principal, kind: str, on: bool):
        if kind not in calendar.KINDS:
            return
        chosen = [k for k in calendar.KINDS if (k in self.kinds and k != kind) or (k == kind and on)]
        self.kinds = chosen
        self._refresh(db, principal)

    @rx.event
    @signed_in_event
    def reset_kinds(self, db, principal):
        self.kinds = list(calendar.DEFAULT_KINDS)
        self._refresh(db, principal)
