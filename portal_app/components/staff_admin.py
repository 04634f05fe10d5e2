"""Pieces every staff page is built from: the page's column (heading, what it is for, the refusal an
agent sees on an admin page) and the admin page that is just that column, a card with one small form,
a list in a card, and small row buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import back_link, card, error_callout, notice_callout, page_body, primary_button
from portal_app.components.staff_shell import staff_page

HEADING_SIZES = {"h2": "4", "h3": "3"}


def admin_only(refused: rx.Var, content: rx.Component) -> rx.Component:
    """The page for admins; for anyone else the services' refusal in its place (nothing else loads)."""
    return rx.cond(refused != "", error_callout(refused, id="staff-refused"), content)


def staff_view(title: rx.Var | str, *parts: rx.Component, intro: rx.Component | str | None = None,
               notice: rx.Var | None = None, refused: rx.Var | None = None, max_width: str = "820px") -> rx.Component:
    """A staff page's one column: its heading, a line saying what the page is for, the outcome of the
    last change (`notice`), then its parts. On an admin page (`refused` given) an agent sees the
    services' refusal in place of all that."""
    if isinstance(intro, str):
        intro = rx.text(intro, size="2", color=tokens.MUTED)
    top = [c for c in (intro, notice_callout(notice, id="staff-notice") if notice is not None else None) if c is not None]
    body = rx.vstack(*top, *parts, spacing="3", width="100%")
    return rx.box(page_body(title, admin_only(refused, body) if refused is not None else body, spacing="3"),
                  width="100%", max_width=max_width)


def admin_page(*, route: str, title: str, state: Any, nav_icon: str, nav_order: int, nav_label: str | None = None,
               heading: str | None = None, intro: str | Callable[[], rx.Component] | None = None, notice: bool = True,
               max_width: str = "820px") -> Callable[[Callable[[], list[rx.Component]]], Callable[[], rx.Component]]:
    """An admin page in the staff navigation that is one `staff_view` column: `title` names its tab and its
    navigation entry (unless `nav_label`) and heads it (unless `heading`); `state` (a StaffPage) loads it and
    gives its notice (unless `notice` is False) and, for an agent, its refusal. The decorated function
    returns the column's parts; `intro` is a line of text, or a function building what the page is for."""

    def register(parts: Callable[[], list[rx.Component]]) -> Callable[[], rx.Component]:
        def view() -> rx.Component:
            return staff_view(heading or title, *parts(), intro=intro() if callable(intro) else intro,
                              notice=state.notice if notice else None, refused=state.refused, max_width=max_width)

        view.__name__, view.__module__ = parts.__name__, parts.__module__
        return staff_page(route=route, title=title, nav_label=nav_label or title, nav_icon=nav_icon,
                          nav_order=nav_order, on_load=[state.load])(view)

    return register


def shown_once(secret: rx.Var, *, label: str, id: str) -> rx.Component:
    """A new key or signing secret, shown right after it is made and never again."""
    return rx.cond(secret != "", card(rx.vstack(
        rx.text(label, weight="bold"),
        rx.code(secret, id=id, style={"overflow_wrap": "anywhere", "white_space": "normal"}),
        spacing="2")))


def form_card(title: rx.Var | str, *fields: rx.Component, submit: str, on_submit, level: str = "h2",
              reset: bool = True, **form_props) -> rx.Component:
    """A card holding one small form: its heading, its fields, its submit button."""
    return card(rx.form(
        rx.vstack(rx.heading(title, as_=level, size=HEADING_SIZES[level]), *fields,
                  primary_button(submit, type="submit"), spacing="2", width="100%", align="start"),
        on_submit=on_submit, reset_on_submit=reset, width="100%", **form_props,
    ))


ROW_RULE = {"border_bottom": f"1px solid {tokens.BORDER}", "padding_y": "0.5rem", "width": "100%"}


def list_card(rows: rx.Var, row, *, empty: rx.Component | str, **props) -> rx.Component:
    """A card listing `rows`, each drawn by `row` above a thin rule; `empty` in their place when there are none."""
    if isinstance(empty, str):
        empty = rx.text(empty, size="2", color=tokens.MUTED)
    return card(rx.cond(rows.length() > 0,
                        rx.vstack(rx.foreach(rows, lambda r: rx.box(row(r), **ROW_RULE)), spacing="0", width="100%",
                                  **props),
                        empty))


def row_button(text: rx.Var | str, on_click=None, *, variant: rx.Var | str = "outline", **props) -> rx.Component:
    """A small outlined button acting on one row (a dialog trigger passes no `on_click`)."""
    return rx.button(text, on_click=on_click, variant=variant, size="2", min_height=tokens.TOUCH_TARGET,
                     cursor="pointer", **props)


def outbox_card(message: rx.Var, on_retry, *, kind: str) -> rx.Component:
    """One message of an outbox page (mail or texts): what, to whom, how it went, the last error and
    **Send again** where it may be queued again (`message["can_retry"]`)."""
    return card(rx.vstack(
        rx.text(message["subject"], weight="bold"),
        rx.text("To ", message["to"],
                rx.cond(message["account"] != "", " · account " + message["account"].to(str), ""),
                size="2", overflow_wrap="anywhere"),
        rx.text("Written ", message["created"], " · ", message["status"], " ", message["next"], size="2",
                color=tokens.MUTED),
        rx.cond(message["error"] != "",
                rx.text("Last error: ", message["error"], size="2", overflow_wrap="anywhere",
                        class_name=f"{kind}-error")),
        rx.cond(message["can_retry"] != "",
                row_button("Send again", on_retry(message["id"]),
                           aria_label="Send again: " + message["subject"].to(str) + " to " + message["to"].to(str))),
        spacing="1", width="100%", align="start",
    ), class_name=f"{kind}-row")


def account_missing() -> rx.Component:
    """What a staff account page shows for a number that matches no account."""
    return rx.vstack(error_callout(rx.Var.create("That account could not be found.")),
                     rx.link("Back to search", href="/staff", min_height=tokens.TOUCH_TARGET))


def account_view(state: Any, heading: str, *parts: rx.Component, notice: bool = False) -> rx.Component:
    """A page about one account (`state` a StaffAccountPage): its parts under a link back to the account
    (and the state's notice, when `notice`); for a number that matches no account, `account_missing`."""
    return rx.cond(
        state.found,
        staff_view(heading, *parts, intro=back_link(state.account_name, href="/staff/account?number=" + state.account_number),
                   notice=state.notice if notice else None),
        account_missing(),
    )
