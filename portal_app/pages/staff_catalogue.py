"""Staff: package catalogue and service areas (packages offered, cart portal-account mode)."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, notice_callout, primary_button
from portal_app.components.forms import select_field, text_field
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_catalogue import StaffCatalogueState as S

MODE_OPTIONS = [{"id": m, "name": m.title()} for m in ("disabled", "optional", "required")]


def _edit_dialog(p: rx.Var) -> rx.Component:
    """Edit a package's name, description, price and speeds (subscribers keep the price they have)."""
    package_id = p["id"].to(str)
    return rx.dialog.root(
        rx.dialog.trigger(rx.button("Edit", variant="outline", size="2", min_height=tokens.TOUCH_TARGET,
                                    cursor="pointer", aria_label="Edit " + p["name"].to(str))),
        rx.dialog.content(
            rx.dialog.title("Edit ", p["name"]),
            rx.dialog.description("Current subscribers keep their price; new orders and changes use the new one.",
                                  size="2"),
            rx.form(rx.vstack(
                text_field("Name", "name", error=S.errors.get("name", ""), id_prefix="edit",
                           default_value=p["name"].to(str)),
                text_field("Description", "description", id_prefix="edit", default_value=p["description"].to(str)),
                text_field("Monthly price", "price", error=S.errors.get("price", ""),
                           id_prefix="edit", default_value=p["price_input"].to(str), input_mode="decimal"),
                text_field("Download Mbps", "download_mbps", error=S.errors.get("download_mbps", ""),
                           id_prefix="edit", default_value=p["download"].to(str)),
                text_field("Upload Mbps", "upload_mbps", error=S.errors.get("upload_mbps", ""),
                           id_prefix="edit", default_value=p["upload"].to(str)),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray",
                                              min_height=tokens.TOUCH_TARGET)),
                    primary_button("SAVE PACKAGE", type="submit"),
                    justify="end", width="100%",
                ),
                spacing="2", width="100%"), on_submit=S.update_package, reset_on_submit=False, width="100%"),
        ),
        open=S.editing_id == package_id,
        on_open_change=lambda is_open: S.set_editing(rx.cond(is_open, package_id, "")),
    )


def _package(p: rx.Var) -> rx.Component:
    active = p["active"].to(bool)
    return rx.hstack(
        rx.vstack(rx.text(p["name"], " (", p["code"], ")", weight="bold"),
                  rx.text(p["price"], " · ", p["speed"], size="2", color=tokens.MUTED), spacing="0", min_width="0"),
        rx.hstack(
            _edit_dialog(p),
            rx.button(rx.cond(active, "Retire", "Offer again"), on_click=S.set_active(p["id"].to(str), ~active),
                      variant="outline", size="2", min_height=tokens.TOUCH_TARGET, cursor="pointer"),
            spacing="2",
        ),
        justify="between", width="100%", align="center", padding_y="0.5rem",
        border_bottom=f"1px solid {tokens.BORDER}", class_name="catalogue-package",
    )


def _offered(area: rx.Var, p: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.checkbox(checked=p["offered"].to(bool), aria_label=p["name"].to(str),
                    on_change=lambda value: S.set_offered(area["id"].to(str), p["id"].to(str), value)),
        rx.text(p["name"], size="2"),
        style={"display": "flex", "gap": "0.5rem", "align_items": "center", "min_height": tokens.TOUCH_TARGET},
    )


def _area(area: rx.Var) -> rx.Component:
    return card(rx.vstack(
        rx.text(area["name"], weight="bold", size="4"),
        rx.text("ZIP codes: ", area["zips"], size="2", color=tokens.MUTED),
        rx.hstack(
            rx.text("Portal-account step", size="2"),
            rx.el.select(
                *[rx.el.option(option["name"], value=option["id"]) for option in MODE_OPTIONS],
                value=area["mode"].to(str),
                on_change=lambda mode: S.set_mode(area["id"].to(str), mode),
                aria_label="Portal-account step for " + area["name"].to(str),
                style={"min_height": tokens.TOUCH_TARGET, "padding": "0 0.75rem", "border_radius": "var(--radius-3)",
                       "border": f"1px solid {tokens.BORDER}", "background": tokens.SURFACE},
            ),
            align="center", wrap="wrap",
        ),
        rx.foreach(area["packages"].to(list[dict]), lambda p: _offered(area, p)),
        spacing="2", width="100%",
    ), class_name="catalogue-area", data_area=area["name"])


@staff_page(route="/staff/catalogue", title="Packages and service areas", nav_label="Catalogue",
            nav_icon="package", nav_order=20, on_load=[S.load])
def staff_catalogue() -> rx.Component:
    return rx.vstack(
        rx.heading("Packages and service areas", as_="h1", size="6"),
        notice_callout(S.notice, id="staff-notice"),
        rx.heading("Packages", as_="h2", size="5"),
        card(rx.vstack(rx.foreach(S.packages, _package), spacing="0", width="100%")),
        card(rx.form(rx.vstack(
            rx.heading("Add package", as_="h3", size="3"),
            text_field("Code", "code", error=S.errors.get("code", "")),
            text_field("Name", "name", error=S.errors.get("name", "")),
            text_field("Description", "description"),
            text_field("Monthly price", "price", error=S.errors.get("price", ""), input_mode="decimal"),
            text_field("Download Mbps", "download_mbps", error=S.errors.get("download_mbps", "")),
            text_field("Upload Mbps", "upload_mbps", error=S.errors.get("upload_mbps", "")),
            primary_button("ADD PACKAGE", type="submit"),
            spacing="2", width="100%"), on_submit=S.add_package, reset_on_submit=True, width="100%")),
        rx.heading("Service areas", as_="h2", size="5"),
        rx.foreach(S.areas, _area),
        card(rx.form(rx.vstack(
            rx.heading("Add service area", as_="h3", size="3"),
            text_field("Area name", "area_name", error=S.errors.get("area_name", "")),
            text_field("ZIP codes", "zip_codes", error=S.errors.get("zip_codes", "")),
            select_field("Portal-account step", "mode", MODE_OPTIONS, error=S.errors.get("mode", ""),
                         default_value="optional"),
            primary_button("ADD SERVICE AREA", type="submit"),
            spacing="2", width="100%"), on_submit=S.add_area, reset_on_submit=True, width="100%")),
        spacing="3", width="100%", max_width="820px",
    )
