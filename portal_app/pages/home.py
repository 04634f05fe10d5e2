"""Home (dashboard): who is signed in, their subscriber ID, balance and due date."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, label_value, page_body, primary_button
from portal_app.components.forms import stacked_form, text_field
from portal_app.components.home_billing import autopay_card, bill_actions, quick_actions
from portal_app.components.shell import portal_page
from portal_app.pages.orders import home_order_cards
from portal_app.pages.scheduling import scheduling_reminder
from portal_app.pages.services import contract_reminder
from portal_app.state.session import SessionState
from portal_app.state.home import HomeState


def _due_line() -> rx.Component:
    return rx.cond(
        HomeState.has_balance_due,
        rx.cond(
            HomeState.past_due,
            rx.badge(t("Past due · was due ") + HomeState.due_text, color_scheme="red", size="2", id="due-date"),
            rx.text(t("Due "), rx.el.strong(HomeState.due_text), id="due-date", size="3", color=tokens.TEXT),
        ),
        rx.cond(
            HomeState.has_pending,
            rx.text(t("Nothing more to pay once it goes through."), id="due-date", size="3", color=tokens.SUCCESS),
            rx.text(t("Nothing is due right now."), id="due-date", size="3", color=tokens.SUCCESS),
        ),
    )


def _promise_form() -> rx.Component:
    """Need more time? A date to pay by, within the provider's rules."""
    return rx.cond(
        HomeState.promise_max != "",
        stacked_form(
            rx.text(t("Need more time? Promise to pay by a date"), size="3", weight="medium"),
            rx.cond(HomeState.service_status == "suspended_nonpayment",
                    rx.text(t("Your service is turned back on until then."), size="2", color=tokens.MUTED)),
            text_field(t("Pay by"), "promise_date", type_="date", error=HomeState.err_promise_date,
                       min=HomeState.promise_min, max=HomeState.promise_max, id_prefix="promise"),
            error_callout(HomeState.err_form, id="promise-error"),
            rx.button(t("PROMISE TO PAY"), type="submit", variant="outline", size="3", width="100%",
                      min_height=tokens.TOUCH_TARGET, cursor="pointer"),
            on_submit=HomeState.promise, spacing="2", align="start", no_validate=True, id="promise-form",
        ),
        rx.cond(HomeState.promise_refused != "",
                rx.text(HomeState.promise_refused, size="2", color=tokens.MUTED, id="promise-refused")),
    )


def _promise_card() -> rx.Component:
    """A promise to pay in force (first on the page: it is why the service is on)."""
    return rx.cond(
        HomeState.promise_text != "",
        card(rx.vstack(
            rx.text(rx.icon("calendar_check", size=20, aria_hidden="true"), HomeState.promise_text, size="3",
                    weight="medium", display="flex", gap="0.5rem", align_items="center"),
            rx.text(t("Your service stays on until then. We remind you two days before."), size="2",
                    color=tokens.MUTED),
            rx.cond(SessionState.may_pay,
                    rx.link(primary_button(t("PAY NOW"), width="100%"), href="/pay", width="100%")),
            spacing="2", width="100%", align="start",
        ), id="promise-active", role="region", aria_label=t("Promise to pay")),
    )


def _promise_offer() -> rx.Component:
    """Past due but not suspended: the offer to promise a date, under the balance and its PAY button."""
    return rx.cond((HomeState.promise_text == "") & (HomeState.service_status == "active")
                   & (HomeState.promise_max != "") & SessionState.may_pay, card(_promise_form()))


def _service_notice() -> rx.Component:
    """Suspended or disconnected: said before anything else, with what is owed and one button to pay."""
    suspended = card(
        rx.vstack(
            rx.heading(rx.icon("wifi_off", size=22, aria_hidden="true"), HomeState.service_label, as_="h2", size="5",
                       display="flex", gap="0.5rem", align_items="center", color=tokens.DANGER),
            rx.cond(HomeState.service_reason != "", rx.text(HomeState.service_reason, size="3")),
            rx.cond(
                HomeState.service_status == "suspended_nonpayment",
                rx.vstack(
                    rx.text(t("You owe "), rx.el.strong(HomeState.balance_text), t(". Pay "),
                            rx.el.strong(HomeState.restore_text), t(" and your service is restored at once."),
                            size="3", id="restore-amount"),
                    rx.cond(SessionState.may_pay,
                            rx.link(primary_button(t("PAY NOW"), width="100%"), href="/pay", width="100%")),
                    rx.cond(SessionState.may_pay, _promise_form()),
                    spacing="3", width="100%",
                ),
                rx.cond(
                    HomeState.on_hold & SessionState.may_change,
                    rx.vstack(
                        rx.text(t("Back early? End your vacation hold and your service comes back on today."), size="3"),
                        rx.link(t("End my hold"), href="/services/hold", min_height=tokens.TOUCH_TARGET, display="flex",
                                align_items="center", id="end-hold-link"),
                        spacing="1", align="start",
                    ),
                    rx.text(t("Please call us to turn it back on."), size="3"),
                ),
            ),
            spacing="2", align="start", width="100%",
        ),
        border_top=f"4px solid {tokens.DANGER}", role="region", aria_label=t("Service suspended"), id="service-notice",
    )
    restoring = card(
        rx.text(rx.icon("wifi", size=20, aria_hidden="true"), t("Thank you. Your service is being restored: it can "
                "take a few minutes to come back."), size="3", display="flex", gap="0.5rem", align_items="center",
                color=tokens.SUCCESS),
        role="status", id="service-restoring",
    )
    return rx.cond(HomeState.service_status != "active", suspended, rx.cond(HomeState.restoring, restoring))


def _balance_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.text(t("Current balance"), size="2", color=tokens.MUTED),
            rx.text(HomeState.balance_text, id="balance", size="8", weight="bold", color=tokens.TEXT),
            rx.cond(
                HomeState.has_pending,
                rx.vstack(
                    rx.text(rx.icon("hourglass", size=16, aria_hidden="true"), HomeState.pending_text, id="pending-payment",
                            size="3", color=tokens.TEXT, display="flex", gap="0.5rem", align_items="center"),
                    rx.cond(HomeState.has_balance_due,
                            rx.text(t("Left to pay: "), rx.el.strong(HomeState.left_text), id="left-to-pay", size="3",
                                    color=tokens.TEXT)),
                    spacing="1", align="start",
                ),
            ),
            _due_line(),
            spacing="2", align="start",
        ),
        border_top=f"4px solid {tokens.ACCENT}",
    )


def _skeleton() -> rx.Component:
    """Until this visit's data is in: shapes only, no words or money that could be wrong."""
    def bar(width: str, height: str = "1rem") -> rx.Component:
        return rx.box(width=width, height=height, background=tokens.BORDER, border_radius="var(--radius-2)")

    return rx.vstack(
        bar("45%", "2rem"),
        card(rx.vstack(bar("35%"), bar("55%", "2.5rem"), bar("45%"), spacing="3", width="100%")),
        rx.hstack(bar("50%", tokens.TOUCH_TARGET), bar("50%", tokens.TOUCH_TARGET), spacing="3", width="100%"),
        card(rx.vstack(bar("30%"), bar("70%"), spacing="3", width="100%")),
        card(rx.vstack(bar("40%"), bar("60%"), bar("50%"), spacing="3", width="100%")),
        spacing="4", width="100%", role="status", aria_busy="true", aria_label=t("Loading your account"),
        id="home-skeleton",
    )


def _account_card() -> rx.Component:
    return card(
        rx.vstack(
            label_value(t("Account holder"), HomeState.account_name, id="account-name"),
            label_value(t("Subscriber ID"), HomeState.account_number, id="subscriber-id"),
            rx.cond(HomeState.service_address != "", label_value(t("Service address"), HomeState.service_address)),
            spacing="3", align="start",
        )
    )


@portal_page(
    route="/", title="Home", nav_label=N_("Home"), nav_icon="house", nav_order=0,
    on_load=[HomeState.load],
)
def home() -> rx.Component:
    # `is_hydrated` turns false the moment the route changes and true once every on_load handler
    # above has run, so a previous visit's balance, greeting or reminders are never painted.
    return rx.cond(rx.State.is_hydrated & HomeState.loaded, _content(), _skeleton())


def _content() -> rx.Component:
    return page_body(
        (t("Hi, "), HomeState.first_name),
        _service_notice(),
        _promise_card(),
        scheduling_reminder(),
        contract_reminder(),
        _balance_card(),
        rx.cond((HomeState.service_status == "suspended_nonpayment") | (HomeState.promise_text != ""), rx.fragment(),
                bill_actions()),  # one PAY button
        _promise_offer(),
        autopay_card(),
        home_order_cards(),
        _account_card(),
        quick_actions(),
    )
