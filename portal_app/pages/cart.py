"""The public shopping cart (no sign-in): address, packages, cart, subscriber details, order placed."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_

from portal_app.components import tokens
from portal_app.components.cards import error_callout, primary_button
from portal_app.components.forms import public_frame, stacked_form, text_field, text_link
from portal_app.components.shell import portal_page
from portal_app.services.core.country import terms
from portal_app.state.cart import CartState as S


def _err(name: str) -> rx.Var:
    return S.errors.get(name, "")


def _address() -> rx.Component:
    return stacked_form(
        rx.text(t("Where do you want service?"), size="3"),
        text_field(t("Street address"), "street", error=_err("street"), default_value=S.street,
                   autocomplete="address-line1"),
        text_field(t("City"), "city", error=_err("city"), default_value=S.city, autocomplete="address-level2"),
        text_field(t(terms().region), "state", default_value=S.state_name, autocomplete="address-level1"),
        text_field(t(terms().postal_code), "zip_code", error=_err("zip_code"), default_value=S.zip_code,
                   autocomplete="postal-code", input_mode="numeric"),
        error_callout(_err("package")),
        primary_button(t("SHOW PACKAGES"), type="submit", width="100%"),
        on_submit=S.check_address, spacing="3",
    )


def _package(p: rx.Var) -> rx.Component:
    chosen = S.chosen["id"] == p["id"]
    return rx.box(
        rx.vstack(
            rx.text(p["name"], size="4", weight="bold"),
            rx.text(p["speed"], size="2", color=tokens.MUTED),
            rx.text(p["description"], size="2"),
            rx.text(p["price"], size="3", weight="medium"),
            rx.cond(chosen, rx.badge(t("In your cart"), color_scheme="green", high_contrast=True),
                    rx.button(t("Add to cart"), on_click=S.add_to_cart(p["id"]), variant="outline", size="3",
                              min_height=tokens.TOUCH_TARGET, cursor="pointer",
                              aria_label=t("Add ") + p["name"].to(str) + t(" to cart"))),
            spacing="1", align="start",
        ),
        border=rx.cond(chosen, f"2px solid {tokens.ACCENT}", f"1px solid {tokens.BORDER}"),
        border_radius="var(--radius-3)", padding="0.75rem", width="100%", class_name="cart-package",
    )


def _packages() -> rx.Component:
    return rx.vstack(
        rx.text(S.street, ", ", S.city, " ", S.zip_code, " · ", S.area_name, size="2", color=tokens.MUTED),
        rx.button(t("Change address"), on_click=S.change_address, variant="ghost", size="2",
                  min_height=tokens.TOUCH_TARGET, cursor="pointer"),
        rx.foreach(S.packages, _package),
        rx.cond(S.chosen.length() > 0, rx.vstack(
            rx.heading(t("Your cart"), as_="h2", size="4"),
            rx.text(S.chosen["name"], " · ", S.chosen["price"], size="3", id="cart-summary"),
            primary_button(t("PROCEED"), on_click=S.proceed, width="100%"),
            spacing="2", width="100%", padding_top="0.5rem", border_top=f"1px solid {tokens.BORDER}",
        )),
        spacing="3", width="100%",
    )


def _portal_fields() -> rx.Component:
    fields = rx.vstack(
        text_field(t("Username"), "username", error=_err("username"), autocomplete="username"),
        text_field(t("Password"), "password", error=_err("password"), type_="password", autocomplete="new-password"),
        spacing="3", width="100%",
    )
    return rx.match(
        S.portal_mode,
        ("required", rx.vstack(
            rx.heading(t("Your portal sign-in"), as_="h2", size="3"),
            rx.text(t("You will manage your account online: choose a username and a password (12 characters or more)."),
                    size="2"),
            fields, spacing="2", width="100%", id="portal-step")),
        ("optional", rx.vstack(
            rx.el.label(
                rx.el.input(type="checkbox", name="want_portal", id="field-want_portal",
                            style={"width": "22px", "height": "22px"}),
                rx.text(t("Also create my portal sign-in"), size="3"),
                html_for="field-want_portal",
                style={"display": "flex", "gap": "0.75rem", "align_items": "center",
                       "min_height": tokens.TOUCH_TARGET, "cursor": "pointer"},
            ),
            rx.text(t("Optional. Fill these in only if you ticked the box."), size="1", color=tokens.MUTED),
            fields, spacing="2", width="100%", id="portal-step")),
        rx.fragment(),
    )


def _details() -> rx.Component:
    return stacked_form(
        rx.text(S.chosen["name"], " · ", S.chosen["price"], size="2", color=tokens.MUTED),
        text_field(t("First name"), "first_name", error=_err("first_name"), autocomplete="given-name"),
        text_field(t("Last name"), "last_name", error=_err("last_name"), autocomplete="family-name"),
        text_field(t("Email"), "email", error=_err("email"), type_="email", autocomplete="email"),
        text_field(t("Phone"), "phone", error=_err("phone"), type_="tel", autocomplete="tel"),
        _portal_fields(),
        error_callout(_err("form")),
        primary_button(t("PLACE ORDER"), type="submit", width="100%"),
        on_submit=S.place, spacing="3",
    )


def _placed() -> rx.Component:
    return rx.vstack(
        rx.text(t("Thank you! Your order is placed."), size="4", weight="bold"),
        rx.text(t("Your account number is "), rx.el.strong(S.account_number, id="new-account-number"), ".", size="3"),
        rx.cond(
            S.placed_username != "",
            rx.fragment(
                rx.text(t("We sent a link to "), S.placed_email, t(" to verify your portal sign-in "), S.placed_username,
                        t(". Open it, sign in, and pick a time for your installation under Scheduling."), size="3",
                        id="verify-note"),
                text_link(t("Go to sign-in"), "/signin"),
            ),
            rx.fragment(
                rx.text(t("To pick a time for your installation, create your portal sign-in with this account "
                        "number, then open Scheduling."), size="3", id="book-note"),
                text_link(t("Create your portal sign-in"), "/signup"),
            ),
        ),
        spacing="2", width="100%", id="order-placed",
    )


@portal_page(route="/cart", title=N_("Shopping Cart"), on_load=[S.load], public=True)
def shopping_cart() -> rx.Component:
    return public_frame(
        rx.match(S.step, ("packages", _packages()), ("details", _details()), ("placed", _placed()), _address()),
        rx.cond(S.step != "placed", text_link(t("Back to sign-in"), "/signin")),  # placed: its own next step
        heading=t("Shopping Cart"),
    )
