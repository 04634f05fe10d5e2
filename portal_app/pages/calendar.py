"""Calendar: bill due dates, AutoPay, appointments, ticket updates and order milestones: a month view
from tablet width up and an agenda list (the only view on phones); FILTER chooses the kinds; tap an
item for its details and a link; a calendar file of it all."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.dialogs import close_button, panel_dialog
from portal_app.components.cards import card, page_body, primary_button
from portal_app.components.shell import portal_page
from portal_app.state.calendar import CalendarState as S

KIND_COLORS = (("bill", "red"), ("promise", "orange"), ("hold", "cyan"), ("autopay", "green"), ("appointment", "blue"),
               ("ticket", "amber"))


def _item(item: rx.Var) -> rx.Component:
    open_ = S.expanded == item["key"]
    return rx.fragment(
        rx.cond(item["section"] != "", rx.heading(item["section"], as_="h2", size="4", color=tokens.TEXT,
                                                  margin_top="0.75rem")),
        rx.cond(item["date"] != "", rx.text(item["date"], size="2", weight="bold", color=tokens.MUTED,
                                            margin_top="0.5rem")),
        rx.box(
            rx.el.button(
                rx.hstack(
                    rx.badge(item["kind_label"], size="1", high_contrast=True,
                             color_scheme=rx.match(item["kind"], *KIND_COLORS, "purple")),
                    rx.text(item["title"], size="3", weight="medium", color=tokens.TEXT),
                    rx.spacer(),
                    rx.cond(item["time"] != "", rx.text(item["time"], size="1", color=tokens.MUTED)),
                    spacing="2", align="center", wrap="wrap", width="100%",
                ),
                on_click=S.toggle(item["key"]),
                aria_expanded=rx.cond(open_, "true", "false"),
                style={"width": "100%", "min_height": tokens.TOUCH_TARGET, "background": "none", "border": "none",
                       "text_align": "left", "cursor": "pointer", "padding": "0.5rem 0.75rem", "font": "inherit"},
            ),
            rx.cond(
                open_,
                rx.vstack(
                    rx.text(item["detail"], size="2", color=tokens.TEXT),
                    rx.link(item["link_label"], rx.icon("chevron-right", size=16), href=item["link"],
                            display="flex", align_items="center", min_height=tokens.TOUCH_TARGET),
                    spacing="1", padding="0 0.75rem 0.5rem", class_name="calendar-details",
                ),
            ),
            background=tokens.SURFACE, border=f"1px solid {tokens.BORDER}", border_radius="var(--radius-3)",
            width="100%", class_name="calendar-item",
            data_kind=item["kind"],
        ),
    )


WEEKDAYS = (N_("Sun"), N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"))


def _chip(cell: rx.Var, n: int) -> rx.Component:
    return rx.cond(
        cell[f"e{n}_key"] != "",
        rx.el.button(
            cell[f"e{n}_title"],
            on_click=S.show_item(cell[f"e{n}_key"]),
            class_name="month-chip",
            data_kind=cell[f"e{n}_kind"],
            style={"display": "block", "width": "100%", "text_align": "left", "font_size": "var(--font-size-1)",
                   "white_space": "nowrap", "overflow": "hidden", "text_overflow": "ellipsis", "cursor": "pointer",
                   "border": "none", "border_radius": "var(--radius-2)", "padding": "2px 4px",
                   "min_height": "24px", "background": tokens.ACCENT_SOFT, "color": tokens.TEXT},
        ),
    )


def _month_cell(cell: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(cell["day"], size="1", weight=rx.cond(cell["today"] != "", "bold", "regular"),
                color=rx.cond(cell["today"] != "", tokens.ACCENT, tokens.MUTED)),
        _chip(cell, 1),
        _chip(cell, 2),
        rx.cond(cell["more"] != "", rx.text(cell["more"], size="1", color=tokens.MUTED)),
        min_height="88px", padding="4px", min_width="0",
        background=rx.cond(cell["in_month"] != "", tokens.SURFACE, "transparent"),
        border=f"1px solid {tokens.BORDER}",
        display="flex", flex_direction="column", gap="2px",
    )


def _month_view() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.icon_button(rx.icon("chevron-left"), on_click=S.change_month(-1), aria_label=t("Previous month"),
                           variant="ghost", size="3", min_width=tokens.TOUCH_TARGET, min_height=tokens.TOUCH_TARGET),
            rx.heading(S.month_title, as_="h2", size="4", color=tokens.TEXT, id="month-title"),
            rx.icon_button(rx.icon("chevron-right"), on_click=S.change_month(1), aria_label=t("Next month"),
                           variant="ghost", size="3", min_width=tokens.TOUCH_TARGET, min_height=tokens.TOUCH_TARGET),
            align="center", spacing="3",
        ),
        rx.grid(
            *[rx.text(t(day), size="1", color=tokens.MUTED, text_align="center") for day in WEEKDAYS],
            rx.foreach(S.month_cells, _month_cell),
            columns="7", spacing="0", width="100%",
        ),
        display=tokens.phone_or_wide("none", "block"),
        width="100%", id="month-view",
    )


def _detail_dialog() -> rx.Component:
    return panel_dialog(
        rx.text(S.detail_text, size="3", margin_bottom="0.75rem"),
        rx.hstack(
            rx.link(S.detail_link_label, rx.icon("chevron-right", size=16), href=S.detail_link, display="flex",
                    align_items="center", min_height=tokens.TOUCH_TARGET),
            rx.spacer(), close_button(t("Close")),
            align="center", width="100%",
        ),
        title=S.detail_title, description=S.detail_when,
        open=S.detail_open, on_open_change=S.set_detail_open, max_width="420px",
    )


def _kind_choice(option: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.checkbox(checked=S.kinds.contains(option["id"]), on_change=lambda on: S.toggle_kind(option["id"], on),
                    size="3"),
        rx.text(option["name"], size="3"),
        style={"display": "flex", "align_items": "center", "gap": "0.75rem", "min_height": tokens.TOUCH_TARGET,
               "cursor": "pointer"},
    )


def _filter_dialog() -> rx.Component:
    return panel_dialog(
        rx.vstack(rx.foreach(S.kind_options, _kind_choice), spacing="1", margin_bottom="0.75rem"),
        rx.hstack(
            rx.button(t("Defaults"), variant="soft", color_scheme="gray", size="3", on_click=S.reset_kinds,
                      min_height=tokens.TOUCH_TARGET),
            rx.dialog.close(primary_button(t("Done"))),
            justify="end", spacing="3",
        ),
        title=t("Show on the calendar"), description=t("Choose the kinds of items to show."),
        open=S.filter_open, on_open_change=S.set_filter_open, max_width="400px",
    )


@portal_page(route="/calendar", title=N_("Calendar"), nav_label=N_("Calendar"), nav_icon="calendar", nav_order=75,
             on_load=[S.load])
def calendar_page() -> rx.Component:
    return page_body(
        t("Calendar"),
        rx.cond(S.loaded, _month_view()),
        rx.cond(
            S.loaded,
            rx.cond(
                S.items.length() > 0,
                rx.vstack(rx.foreach(S.items, _item), spacing="2", width="100%", id="agenda"),
                card(rx.text(t("Nothing to show. Use FILTER to show more kinds of items."), color=tokens.MUTED)),
            ),
            rx.center(rx.spinner(size="3")),
        ),
        rx.link(rx.icon("calendar-plus", size=18), t("Download all as a calendar file (.ics)"), href="/ics/feed.ics",
                display="flex", align_items="center", gap="0.5rem", min_height=tokens.TOUCH_TARGET),
        _filter_dialog(),
        _detail_dialog(),
        action=rx.button(rx.icon("list-filter", size=18), t("FILTER"), variant="outline", size="3",
                         min_height=tokens.TOUCH_TARGET, on_click=S.set_filter_open(True), cursor="pointer"),
        spacing="2",
    )
