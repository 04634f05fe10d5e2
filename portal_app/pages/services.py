"""Services (billed packages, non-billable services, contracts), one contract to read and sign, the home prompt."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.cards import back_link, card, error_callout, notice_callout, page_body, primary_button
from portal_app.components.forms import stacked_form, text_field
from portal_app.components.shell import portal_page
from portal_app.state.session import SessionState
from portal_app.state.services import ContractReminderState as R
from portal_app.state.services import ContractState as C
from portal_app.state.services import ServicesState as S


def _item(item: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(item["name"], size="2", weight="medium"),
                  rx.cond(item["detail"] != "", rx.text(item["detail"], size="1", color=tokens.MUTED)),
                  spacing="0", align="start", min_width="0"),
        rx.text(item["price"], size="2", white_space="nowrap"),
        justify="between", width="100%", align="start",
    )


def _service(line: rx.Var) -> rx.Component:
    is_open = S.open_id == line["id"]
    return card(
        rx.vstack(
            rx.el.button(
                rx.hstack(
                    rx.vstack(
                        rx.text(line["name"], size="4", weight="bold", color=tokens.TEXT),
                        rx.cond(line["speed"] != "", rx.text(line["speed"], size="2", color=tokens.MUTED)),
                        rx.cond(line["status"] != "", rx.badge(line["status"], color_scheme="amber", high_contrast=True)),
                        rx.cond(line["change"] != "", rx.badge(line["change"], color_scheme="blue", high_contrast=True,
                                                                class_name="pending-change")),
                        spacing="1", align="start", min_width="0",
                    ),
                    rx.hstack(rx.text(line["price"], size="3", weight="medium", white_space="nowrap"),
                              rx.cond(line["package"] == "yes",
                                      rx.cond(is_open, rx.icon("chevron-up", size=18, aria_hidden="true"),
                                              rx.icon("chevron-down", size=18, aria_hidden="true"))),
                              align="center"),
                    justify="between", width="100%", align="start",
                ),
                on_click=S.toggle(line["id"]),
                aria_expanded=rx.cond(is_open, "true", "false"),
                style={"all": "unset", "cursor": "pointer", "width": "100%", "min_height": tokens.TOUCH_TARGET,
                       "display": "block"},
                class_name="service-line",
            ),
            rx.cond(
                is_open & (line["package"] == "yes"),
                rx.vstack(rx.foreach(line["items"].to(list[dict]), _item),
                          rx.cond(
                              line["change"] != "",
                              rx.link(t("Follow the change in Order Tracking"), href=line["change_href"].to(str),
                                      min_height=tokens.TOUCH_TARGET, display="flex", align_items="center"),
                              rx.cond(S.can_change & SessionState.may_change & (line["status"] == ""),
                                      rx.link(primary_button(t("CHANGE")),
                                              href="/services/change?service=" + line["id"].to(str),
                                              aria_label=t("CHANGE ") + line["name"].to(str))),
                          ),
                          spacing="2", width="100%",
                          padding_top="0.5rem", border_top=f"1px solid {tokens.BORDER}", class_name="package-items"),
            ),
            spacing="2", width="100%",
        ),
        id="service-" + line["id"].to(str),
    )


def _contract(row: rx.Var) -> rx.Component:
    return rx.link(
        card(rx.hstack(
            rx.vstack(rx.text(row["title"], weight="bold"),
                      rx.text(row["status"], " · ", row["when"], size="2", color=tokens.MUTED),
                      spacing="1", align="start", min_width="0"),
            rx.cond(row["signed"] == "yes", rx.badge(t("Signed"), color_scheme="green", high_contrast=True),
                    rx.badge(t("Sign"), color_scheme="amber", high_contrast=True)),
            justify="between", width="100%", align="center",
        )),
        href=row["href"], underline="none", color=tokens.TEXT, width="100%", class_name="contract-row",
    )


def _hold_card() -> rx.Component:
    return card(rx.hstack(
        rx.icon("plane", size=22, color=tokens.ACCENT, aria_hidden="true"),
        rx.vstack(rx.text(t("Vacation hold"), size="4", weight="bold"),
                  rx.text(rx.cond(S.hold_text != "", S.hold_text, t("Away for a while? Pause your service and pay less.")),
                          size="2", color=tokens.MUTED, id="hold-summary"),
                  rx.link(rx.cond(S.hold_text != "", t("See your hold"), t("Pause my service")), href="/services/hold",
                          min_height=tokens.TOUCH_TARGET, display="flex", align_items="center", id="hold-link"),
                  spacing="1", align="start", min_width="0"),
        spacing="3", align="start", width="100%",
    ), id="vacation-hold")


@portal_page(route="/services", title=N_("Services"), nav_label=N_("Services"), nav_icon="wifi", nav_order=72,
             on_load=[S.load])
def services_page() -> rx.Component:
    return page_body(
        t("Services"),
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.heading(t("Packages"), as_="h2", size="4"),
                rx.cond(S.packages.length() == 0, rx.text(t("No billed packages."), color=tokens.MUTED)),
                rx.vstack(rx.foreach(S.packages, _service), spacing="2", width="100%", id="packages"),
                rx.cond(S.others.length() > 0, rx.vstack(
                    rx.heading(t("Other services (not billed)"), as_="h2", size="4"),
                    rx.vstack(rx.foreach(S.others, _service), spacing="2", width="100%", id="other-services"),
                    spacing="2", width="100%")),
                rx.cond(S.hold_offered, _hold_card()),
                rx.heading(t("Contracts"), as_="h2", size="4"),
                rx.cond(S.contracts.length() == 0, rx.text(t("No contracts on file."), color=tokens.MUTED)),
                rx.vstack(rx.foreach(S.contracts, _contract), spacing="2", width="100%", id="contracts"),
                spacing="3", width="100%",
            ),
            rx.center(rx.spinner(size="3")),
        ),
        spacing="3",
    )


def _sign_form() -> rx.Component:
    return card(stacked_form(
        rx.heading(t("Sign this contract"), as_="h2", size="4"),
        text_field(t("Full name"), "signer_name", error=C.err_signer_name, autocomplete="name"),
        rx.vstack(
            rx.el.label(
                rx.el.input(type="checkbox", name="consent", id="field-consent",
                            style={"width": "22px", "height": "22px", "flex_shrink": "0"},
                            aria_describedby="field-consent-error"),
                rx.text(t("I have read this contract and agree to sign it electronically."), size="2"),
                html_for="field-consent",
                style={"display": "flex", "gap": "0.75rem", "align_items": "center",
                       "min_height": tokens.TOUCH_TARGET, "cursor": "pointer"},
            ),
            rx.cond(C.err_consent != "", rx.text(C.err_consent, id="field-consent-error", role="alert", size="2",
                                                 color=tokens.DANGER)),
            spacing="1", width="100%",
        ),
        rx.text(t("Date: "), rx.el.strong(C.today), size="2", id="sign-date"),
        primary_button(t("SIGN"), type="submit"),
        on_submit=C.sign, spacing="3", align="start",
    ))


def _signed() -> rx.Component:
    return card(rx.vstack(
        rx.hstack(rx.icon("badge-check", color=tokens.SUCCESS, aria_hidden="true"),
                  rx.text(t("Signed by "), rx.el.strong(C.signer_name), t(" on "), C.signed_at, size="3"),
                  align="center", wrap="wrap"),
        rx.text(t("Fingerprint of the signed text (SHA-256): "), rx.el.code(C.sha256), size="1", color=tokens.MUTED,
                word_break="break-all"),
        rx.link(primary_button(t("DOWNLOAD SIGNED PDF")),
                href="/documents/contracts/" + C.contract_id + ".pdf?download=1", is_external=True,
                id="signed-pdf"),
        spacing="3", align="start", width="100%",
    ), id="signature")


@portal_page(route="/contract", title=N_("Contract"), on_load=[C.load])
def contract_page() -> rx.Component:
    return rx.vstack(
        back_link(t("Services"), href="/services"),
        rx.cond(
            C.loaded,
            rx.cond(
                C.found,
                rx.vstack(
                    rx.heading(C.title, as_="h1", size="6"),
                    notice_callout(C.notice, id="contract-notice"),
                    error_callout(C.err_form),
                    card(rx.vstack(rx.foreach(C.paragraphs, lambda p: rx.text(p, size="2", white_space="pre-wrap")),
                                   spacing="3"), id="contract-text"),
                    rx.cond(C.signed, _signed(), _sign_form()),
                    spacing="3", width="100%",
                ),
                rx.vstack(rx.heading(t("Contract"), as_="h1", size="6"),
                          card(rx.text(t("That contract could not be found."), id="not-found")), width="100%"),
            ),
            rx.center(rx.spinner(size="3")),
        ),
        spacing="3", width="100%",
    )


def contract_reminder() -> rx.Component:
    """On Home until the contract is signed or "Later" puts it away for the rest of the session
    (`ContractReminderState.check` on Home's load): sign now or later.

    A card at the top of Home rather than a modal, so the rest of the page stays reachable.
    """
    return rx.cond(
        R.contract_open,
        rx.box(
            rx.hstack(
                rx.icon("signature", size=24, color=tokens.ACCENT, aria_hidden="true"),
                rx.vstack(
                    rx.text(t("A contract is waiting for your signature"), size="4", weight="bold"),
                    rx.text(R.contract_title, size="2"),
                    rx.hstack(
                        rx.link(primary_button(t("Sign now")), href=R.contract_href),
                        rx.button(t("Later"), variant="soft", color_scheme="gray", size="3",
                                  min_height=tokens.TOUCH_TARGET, on_click=R.dismiss, cursor="pointer"),
                        spacing="3", wrap="wrap",
                    ),
                    spacing="2", align="start",
                ),
                spacing="3", align="start",
            ),
            role="region", aria_label=t("Contract to sign"), id="contract-reminder",
            background=tokens.ACCENT_SOFT, border=f"1px solid {tokens.ACCENT}", border_radius="var(--radius-4)",
            padding="1rem", width="100%",
        ),
    )
