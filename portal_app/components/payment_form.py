"""Payment form pieces shared by Make a Payment and Quick Pay: fields with their errors, card and bank fieldsets.

Components take the state's vars as arguments and hold no state themselves.
"""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.components import tokens


def field_error(message: rx.Var, name: str) -> rx.Component:
    return rx.cond(message, rx.text(message, id=f"{name}-error", size="2", color=tokens.DANGER, role="alert"))


def text_field(label: str, name: str, errors: rx.Var, *, autocomplete: str = "off", input_mode: str = "text",
               placeholder: str = "", default_value: rx.Var | str | None = None, hint: str = "") -> rx.Component:
    message = errors[name]
    # Uncontrolled inputs: the key re-mounts the field when the page's data arrives after first paint.
    props = {"default_value": default_value, "key": default_value} if default_value is not None else {}
    return rx.vstack(
        rx.el.label(label, html_for=name, font_size="var(--font-size-2)", font_weight="500"),
        rx.text(hint, size="1", color=tokens.MUTED) if isinstance(hint, rx.Var) or hint else rx.fragment(),
        rx.input(id=name, name=name, auto_complete=autocomplete, input_mode=input_mode, placeholder=placeholder,
                 size="3", width="100%", min_height=tokens.TOUCH_TARGET,
                 aria_invalid=rx.cond(message, "true", "false"), aria_describedby=f"{name}-error", **props),
        field_error(message, name),
        spacing="1", width="100%",
    )


def card_fields(errors: rx.Var) -> rx.Component:
    """As the gateway's hosted card step would ask; the numbers go to the gateway, never to our database."""
    return rx.vstack(
        text_field(t("Card number"), "card_number", errors, autocomplete="cc-number", input_mode="numeric",
                   placeholder="1234 5678 9012 3456"),
        rx.hstack(
            text_field(t("Expiry (MM/YY)"), "expiry", errors, autocomplete="cc-exp", input_mode="numeric", placeholder=t("MM/YY")),
            text_field(t("Security code"), "cvc", errors, autocomplete="cc-csc", input_mode="numeric", placeholder="123"),
            spacing="3", width="100%",
        ),
        text_field(t("Billing ZIP"), "postal_code", errors, autocomplete="postal-code", input_mode="numeric"),
        spacing="3", width="100%",
    )


def bank_fields(errors: rx.Var) -> rx.Component:
    return rx.vstack(
        text_field(t("Name on the account"), "holder", errors, autocomplete="name"),
        text_field(t("Routing number"), "routing", errors, input_mode="numeric", placeholder=t("9 digits")),
        text_field(t("Account number"), "bank_account", errors, input_mode="numeric"),
        spacing="3", width="100%",
    )


def ach_authorization(terms: rx.Var, errors: rx.Var | None = None, *, field_id: str = "ach_authorization") -> rx.Component:
    """The bank-debit authorization box. Reflex submits a checkbox through a ref named after its id, and
    one ref name per page: a page with two such forms gives each its own `field_id`."""
    return rx.vstack(
        rx.text(terms, size="2", color=tokens.MUTED, id="ach-terms"),
        rx.el.label(
            rx.checkbox(name="ach_authorization", id=field_id, size="3"),
            rx.text(t("I authorize this bank debit"), size="3"),
            display="flex", gap="0.75rem", align_items="center", min_height=tokens.TOUCH_TARGET, cursor="pointer",
        ),
        field_error(errors["ach_authorization"], "ach_authorization") if errors is not None else rx.fragment(),
        spacing="2", width="100%", padding="0.75rem", border=f"1px solid {tokens.BORDER}",
        border_radius="var(--radius-3)",
    )


def slider(label: str, checked: rx.Var, on_change, id_: str) -> rx.Component:
    return rx.el.label(
        rx.text(label, size="3", flex="1"),
        rx.switch(checked=checked, on_change=on_change, id=id_, name=id_, size="3", aria_label=label),
        display="flex", align_items="center", gap="0.75rem", width="100%",
        min_height=tokens.TOUCH_TARGET, cursor="pointer",
    )


def method_select(options: rx.Var, value: rx.Var, on_change, errors: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.el.label(t("Payment"), html_for="payment-method", font_size="var(--font-size-2)", font_weight="500"),
        rx.el.select(
            rx.foreach(options, lambda o: rx.el.option(o["option"], value=o["value"])),
            id="payment-method", name="payment_method", value=value, on_change=on_change, width="100%",
            min_height=tokens.TOUCH_TARGET, padding="0 0.75rem", font_size="16px",
            border=f"1px solid {tokens.BORDER}", border_radius="var(--radius-2)", background=tokens.SURFACE,
            color=tokens.TEXT,
        ),
        field_error(errors["method"], "method"),
        spacing="1", width="100%",
    )

