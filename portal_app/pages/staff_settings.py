"""Provider settings (admin): every switch with what it does for subscribers, its history, the theme."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import brand_logo, card, label_value, primary_button
from portal_app.components.forms import field_error, stacked_form
from portal_app.components.staff_admin import admin_page, list_card
from portal_app.services.staff.settings_admin import SWITCHES, Switch
from portal_app.state.staff_settings import StaffSettingsState as S
from portal_app.theming import current_theme


def _switch(switch: Switch) -> rx.Component:
    field_id = f"setting-{switch.name}"
    help_id = f"{field_id}-help"
    if switch.kind == "bool":
        control = rx.el.select(
            rx.el.option("On", value="on"), rx.el.option("Off", value="off"),
            id=field_id, name=switch.name, default_value=S.values.get(switch.name, "on"),
            aria_describedby=help_id,
            style={"min_height": tokens.TOUCH_TARGET, "padding": "0 0.75rem", "border_radius": "var(--radius-3)",
                   "border": f"1px solid {tokens.BORDER}", "background": tokens.SURFACE, "width": "100%"},
        )
    else:
        control = rx.input(id=field_id, name=switch.name, default_value=S.values.get(switch.name, ""), size="3",
                           width="100%", min_height=tokens.TOUCH_TARGET, aria_describedby=help_id,
                           input_mode="decimal" if switch.kind == "money" else (
                               "numeric" if switch.kind in ("hours", "days", "count") else "text"),
                           aria_invalid=rx.cond(S.errors.get(switch.name, "") != "", "true", "false"))
    unit = {"money": " (dollars)"}.get(switch.kind, "")
    return rx.vstack(
        rx.el.label(switch.label + unit, html_for=field_id, font_weight="500"),
        rx.text(switch.help, size="2", color=tokens.MUTED, id=help_id),
        control,
        field_error(S.errors.get(switch.name, ""), field_id),
        spacing="1", width="100%", padding_y="0.5rem", border_bottom=f"1px solid {tokens.BORDER}",
    )


def _change(c: rx.Var) -> rx.Component:
    return rx.vstack(rx.text(c["when"], " · ", c["who"], size="2", color=tokens.MUTED),
                     rx.text(c["what"], size="2", overflow_wrap="anywhere"),
                     spacing="0", width="100%", class_name="settings-change")


def _swatch(name: str, colour: str) -> rx.Component:
    return rx.hstack(rx.box(width="1.5rem", height="1.5rem", background=colour, border=f"1px solid {tokens.BORDER}",
                            border_radius="var(--radius-2)"),
                     rx.text(f"{name}: {colour}", size="2"), align="center")


def _theme() -> rx.Component:
    theme = current_theme()
    return card(rx.vstack(
        rx.heading("Theme in force", as_="h2", size="4"),
        rx.text("Read-only: the theme file named by PORTAL_THEME, after contrast correction. Change the file and "
                "restart the app to change it.", size="2", color=tokens.MUTED),
        brand_logo("40px", alt=f"{theme.provider_name} logo"),
        label_value("Provider", theme.provider_name),
        label_value("Support", f"{theme.support_phone} · {theme.support_email}"),
        label_value("Time zone", theme.timezone),
        _swatch("Accent as written", theme.accent_source),
        _swatch("Accent shown (4.5:1 on white)", theme.accent),
        _swatch("Text on accent", theme.on_accent),
        _swatch("Accent shown in dark mode (4.5:1 on dark cards)", theme.dark.accent),
        _swatch("Text on accent in dark mode", theme.dark.on_accent),
        spacing="2", width="100%",
    ), id="theme-view")


@admin_page(route="/staff/settings", title="Settings", state=S, nav_icon="settings", nav_order=70)
def staff_settings() -> list[rx.Component]:
    return [
        card(stacked_form(
            *[_switch(s) for s in SWITCHES],
            primary_button("SAVE SETTINGS", type="submit"),
            on_submit=S.save, spacing="2", key=S.form_key,
        )),
        rx.heading("Recent changes", as_="h2", size="4"),
        list_card(S.changes, _change, empty="No changes yet."),
        rx.link("Full history in the audit log", href="/staff/audit?action=settings", size="2"),
        _theme(),
    ]
