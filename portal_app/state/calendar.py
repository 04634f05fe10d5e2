"""Calendar page: the account's events as an agenda, FILTER by kind, tap for details and a link."""

from __future__ import annotations

import reflex as rx

from portal_app.models import session_scope
from portal_app.services import calendar
from portal_app.services.clock import provider_today
from portal_app.state.session import SessionState

KIND_OPTIONS = [{"id": kind, "name": label} for kind, label in calendar.KINDS.items()]


class CalendarState(SessionState):
    items: list[dict[str, str]] = []
    kinds: list[str] = list(calendar.DEFAULT_KINDS)
    kind_options: list[dict[str, str]] = KIND_OPTIONS
    expanded: str = ""
    filter_open: bool = False
    loaded: bool = False

    def _refresh(self, principal) -> None:
        today = provider_today()
        with session_scope() as db:
            events = calendar.account_events(db, principal=principal, today=today, kinds=tuple(self.kinds))
        upcoming = [e for e in events if e["day"] >= today]
        earlier = sorted((e for e in events if e["day"] < today), key=lambda e: (e["day"], e["time"]), reverse=True)
        rows: list[dict[str, str]] = []
        for section, group in (("Coming up", upcoming), ("Earlier", earlier)):
            last_day = None
            for index, event in enumerate(group):
                rows.append({
                    "key": event["key"], "kind": event["kind"], "kind_label": calendar.KINDS[event["kind"]],
                    "section": section if index == 0 else "",
                    "date": f"{event['day']:%a, %b %-d, %Y}" if event["day"] != last_day else "",
                    "title": event["title"], "time": event["time"], "detail": event["detail"],
                    "link": event["link"], "link_label": event["link_label"],
                })
                last_day = event["day"]
        self.items = rows
        self.loaded = True

    @rx.event
    def load(self):
        principal = self._principal()
        if principal is None:
            return
        self.expanded, self.filter_open = "", False
        self._refresh(principal)

    @rx.event
    def toggle(self, key: str):
        """Tap an item: its details and link open below it; tap again to close."""
        self.expanded = "" if self.expanded == str(key) else str(key)

    @rx.event
    def set_filter_open(self, value: bool):
        self.filter_open = bool(value)

    @rx.event
    def toggle_kind(self, kind: str, on: bool):
        principal = self._principal()
        if principal is None or kind not in calendar.KINDS:
            return
        chosen = [k for k in calendar.KINDS if (k in self.kinds and k != kind) or (k == kind and on)]
        self.kinds = chosen
        self._refresh(principal)

    @rx.event
    def reset_kinds(self):
        principal = self._principal()
        if principal is None:
            return
        self.kinds = list(calendar.DEFAULT_KINDS)
        self._refresh(principal)
