"""Order Tracking page and the home page's cards for open tracked orders."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from portal_app.services.orders import order_tracking
from portal_app.state.session import SessionState
from portal_app.state.signed_in import signed_in_event
from portal_app.services.core.i18n import N_, _


def order_view(order: order_tracking.TrackedOrder, say=str) -> dict:
    """An order card's data; `say` puts its words in the reader's language (a state's `_t`). Step names set by
    the portal itself are in the catalog; names staff typed read as typed."""
    view = asdict(order)
    view["id"] = str(order.id)
    view["kind_label"] = say(order.kind_label)
    view["progress"] = say(_("%(done)s of %(total)s steps done", done=order.done_count, total=len(order.steps)))
    view["status"] = say(N_("In progress") if order.open else N_("Completed"))
    view["steps"] = [{**asdict(s), "task_id": str(s.task_id), "name": say(s.name), "description": say(s.description),
                      "status_label": say(s.status_label)} for s in order.steps]
    view["current_name"] = say(order.current_name)
    return view


class OrdersState(SessionState):
    orders: list[dict] = []
    loaded: bool = False

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.orders = [order_view(o, self._t) for o in order_tracking.tracked_orders(db, principal=principal)]
        self.loaded = True


class HomeOrdersState(SessionState):
    open_orders: list[dict] = []

    def _fill(self, db, principal):
        """Part of Home's one load (HomeState.load)."""
        self.open_orders = [order_view(o, self._t) for o in order_tracking.tracked_orders(db, principal=principal, open_only=True)]
