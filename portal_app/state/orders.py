"""Order Tracking page and the home page's cards for open tracked orders."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from portal_app.services.orders import order_tracking
from portal_app.state.session import SessionState
from portal_app.state.signed_in import signed_in_event


def order_view(order: order_tracking.TrackedOrder) -> dict:
    view = asdict(order)
    view["id"] = str(order.id)
    view["progress"] = f"{order.done_count} of {len(order.steps)} steps done"
    view["status"] = "In progress" if order.open else "Completed"
    view["steps"] = [{**asdict(s), "task_id": str(s.task_id)} for s in order.steps]
    return view


class OrdersState(SessionState):
    orders: list[dict] = []
    loaded: bool = False

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.orders = [order_view(o) for o in order_tracking.tracked_orders(db, principal=principal)]
        self.loaded = True


class HomeOrdersState(SessionState):
    open_orders: list[dict] = []

    def _fill(self, db, principal):
        """Part of Home's one load (HomeState.load)."""
        self.open_orders = [order_view(o) for o in order_tracking.tracked_orders(db, principal=principal, open_only=True)]
