"""Staff: package catalogue and service areas (packages offered, cart portal-account mode)."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card
from portal_app.components.dialogs import form_dialog
from portal_app.components.forms import select_field, text_field
from portal_app.components.staff_admin import admin_page, form_card, list_card, row_button
from portal_app.state.staff_catalogue import StaffCatalogueState as S

MODE_OPTIONS = [{"id": m, "name": m.title()} for m in ("disabled", "optional", "required")]


def _package_fields(p: rx.Var | None = None, id_prefix: str = "field") -> list[rx.Component]:
    """Name, description, price and speeds: empty for a new package, a package's own values to edit it."""
    return [
        text_field(label, name, error=S.errors.get(name, ""), id_prefix=id_prefix,
                   default_value=p[key].to(str) if p is not None else "", **props)
        for label, name, key, props in (("Name", "name", "name", {}), ("Description", "description", "description", {}),
                                        ("Monthly price", "price", "price_input", {"input_mode": "decimal"}),
                                        ("Download Mbps", "download_mbps", "download", {}),
                                        ("Upload Mbps", "upload_mbps", "upload", {}))
    ]


def _edit_dialog(p: rx.Var) -> rx.Component:
    """Edit a package's name, description, price and speeds (subscribers keep the price they have)."""
    package_id = p["id"].to(str)
    return form_dialog(
        *_package_fields(p, id_prefix="edit"),
        submit_label="SAVE PACKAGE", on_submit=S.update_package, spacing="2", cancel_label="Cancel",
        trigger=row_button("Edit", aria_label="Edit " + p["name"].to(str)),
        title=rx.fragment("Edit ", p["name"]),
        description="Current subscribers keep their price; new orders and changes use the new one.",
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
            row_button(rx.cond(active, "Retire", "Offer again"), S.set_active(p["id"].to(str), ~active)),
            spacing="2",
        ),
        justify="between", width="100%", align="center", class_name="catalogue-package",
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


@admin_page(route="/staff/catalogue", title="Packages and service areas", state=S, nav_label="Catalogue",
            nav_icon="package", nav_order=20)
def staff_catalogue() -> list[rx.Component]:
    return [
        rx.heading("Packages", as_="h2", size="5"),
        list_card(S.packages, _package, empty="No packages yet."),
        form_card("Add package",
                  text_field("Code", "code", error=S.errors.get("code", "")),
                  *_package_fields(),
                  submit="ADD PACKAGE", on_submit=S.add_package, level="h3"),
        rx.heading("Service areas", as_="h2", size="5"),
        rx.foreach(S.areas, _area),
        form_card("Add service area",
                  text_field("Area name", "area_name", error=S.errors.get("area_name", "")),
                  text_field("ZIP codes", "zip_codes", error=S.errors.get("zip_codes", "")),
                  select_field("Portal-account step", "mode", MODE_OPTIONS, error=S.errors.get("mode", ""),
                               default_value="optional"),
                  submit="ADD SERVICE AREA", on_submit=S.add_area, level="h3"),
    ]
