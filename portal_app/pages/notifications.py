"""Notifications (signed in): what we tell you and how (email, text), paperless billing, quiet hours,
your texting number, and what we sent lately."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, notice_callout, page_body, primary_button
from portal_app.components.forms import field, select_field, stacked_form
from portal_app.components.shell import portal_page
from portal_app.state.notifications import NotificationsState as S

STATUS_COLOURS = {"Sent": "green", "Waiting": "gray", "Not delivered": "red"}  # by the English status


def _err(name: str) -> rx.Var:
    return S.errors.get(name, "")


def _section(title: str, *children: rx.Component, **props) -> rx.Component:
    return card(rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"), **props)


def _box(label: rx.Var | str, name: rx.Var, checked: rx.Var, aria: rx.Var, *, disabled: rx.Var | bool = False
         ) -> rx.Component:
    return rx.el.label(
        rx.checkbox(name=name, default_checked=checked, disabled=disabled, size="3", aria_label=aria),
        rx.text(label, size="2"),
        display="flex", gap="0.5rem", align_items="center", min_height=tokens.TOUCH_TARGET, cursor="pointer",
    )


def _choice(row: rx.Var) -> rx.Component:
    key, label = row["key"].to(str), row["label"].to(str)
    return rx.box(
        rx.text(label, weight="bold", size="3"),
        rx.text(row["description"], size="2", color=tokens.MUTED),
        rx.hstack(
            rx.cond(
                row["email_required"].to(bool),
                _box(t("Email (always sent)"), "email_" + key, True, label + t(" by email (always sent)"), disabled=True),
                rx.cond(
                    row["email_offered"].to(bool),
                    _box(t("Email"), "email_" + key, row["email"].to(bool), label + t(" by email")),
                    rx.text(t("Paper bill by post"), size="2", min_height=tokens.TOUCH_TARGET, display="flex",
                            align_items="center", class_name="by-post"),
                ),
            ),
            rx.cond(S.sms_phone != "", _box(t("Text"), "sms_" + key, row["sms"].to(bool), label + t(" by text"))),
            spacing="5", wrap="wrap",
        ),
        padding_y="0.5rem", border_bottom=f"1px solid {tokens.BORDER}", width="100%", class_name="choice-row",
        data_event=key,
    )


def _phone_card() -> rx.Component:
    have_number = S.sms_phone != ""
    return _section(
        t("Text messages"),
        rx.cond(
            have_number,
            rx.vstack(
                rx.text(t("Texts go to "), rx.el.strong(S.sms_phone, id="texting-number"), ".", size="3"),
                rx.cond(
                    S.sms_opted_out,
                    rx.callout(
                        rx.cond(S.texting_from != "",
                                t("You replied STOP, so we send no texts. Text START to ") + S.texting_from
                                + t(" to get them again."),
                                t("You replied STOP, so we send no texts. Reply START to one of our texts to get them "
                                  "again.")),
                        icon="message_square_off", color_scheme="amber", high_contrast=True, width="100%",
                        id="texts-stopped"),
                ),
                rx.button(t("REMOVE NUMBER"), on_click=S.remove_phone, variant="outline", color_scheme="gray",
                          min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                spacing="3", width="100%",
            ),
            rx.vstack(
                rx.text(t("Add a mobile number to get texts. We send a code to it first."), size="2", color=tokens.MUTED),
                stacked_form(
                    field(t("Mobile number"), "phone", type_="tel", autocomplete="tel", error=_err("phone")),
                    primary_button(t("SEND CODE"), type="submit"),
                    on_submit=S.send_code, spacing="3",
                ),
                rx.cond(
                    S.pending_phone != "",
                    stacked_form(
                        field(t("Code we texted to ") + S.pending_phone, "code", autocomplete="one-time-code",
                              input_mode="numeric", error=_err("code")),
                        primary_button(t("CONFIRM NUMBER"), type="submit"),
                        on_submit=S.confirm_code, spacing="3", reset_on_submit=True,
                    ),
                ),
                spacing="3", width="100%",
            ),
        ),
        rx.text(t("Texts are short and cost you nothing from us (your plan's usual rates apply). Reply STOP to any "
                  "of them to end them, HELP for help."), size="1", color=tokens.MUTED),
        id="texts-card",
    )


def _choices_form() -> rx.Component:
    return stacked_form(
        _section(
            t("What we tell you"),
            rx.vstack(rx.foreach(S.rows, _choice), spacing="0", width="100%", id="choices"),
            rx.cond(S.texts_available & (S.sms_phone == ""),
                    rx.text(t("Add a mobile number above to choose texts as well."), size="2", color=tokens.MUTED)),
        ),
        rx.cond(~S.invited, _section(
            t("Paperless billing"),
            _box(t("Paperless: my bill comes by email, no paper bill by post"), "paperless", S.paperless,
                 t("Paperless billing")),
            rx.text(t("With paperless billing the bill email is your bill, so it is always sent; without it your "
                      "bill comes by post (a text can still tell you it is ready)."), size="2", color=tokens.MUTED),
        )),
        rx.cond(
            S.texts_available,
            _section(
                t("Quiet hours"),
                _box(t("Hold texts during quiet hours"), "quiet_hours", S.quiet_hours, t("Hold texts during quiet hours")),
                rx.hstack(
                    rx.box(select_field(t("From"), "quiet_start", S.quiet_times, default_value=S.quiet_start,
                                        error=_err("quiet_start")), flex="1"),
                    rx.box(select_field(t("Until"), "quiet_end", S.quiet_times, default_value=S.quiet_end,
                                        error=_err("quiet_end")), flex="1"),
                    width="100%", spacing="3",
                ),
                rx.text(t("Times are "), S.zone, t(". A text due in quiet hours waits until they end; email is never "
                                                 "held."), size="2", color=tokens.MUTED),
            ),
        ),
        primary_button(t("SAVE CHOICES"), type="submit", width="100%"),
        on_submit=S.save, key=S.form_key,
    )


def _sent_row(row: rx.Var) -> rx.Component:
    status = row["status"].to(str)
    return rx.box(
        rx.hstack(
            rx.badge(row["channel"], color_scheme="gray"),
            rx.text(row["when"], size="1", color=tokens.MUTED),
            rx.badge(row["status_text"], color_scheme=rx.match(status, *STATUS_COLOURS.items(), "amber"), high_contrast=True),
            wrap="wrap", align="center",
        ),
        rx.text(row["subject"], size="2"),
        rx.text(row["event"], t(" · to "), row["to"], size="1", color=tokens.MUTED),
        padding_y="0.5rem", border_bottom=f"1px solid {tokens.BORDER}", width="100%", class_name="sent-row",
    )


def _sent_card() -> rx.Component:
    return _section(
        t("Recently sent"),
        rx.cond(S.loaded & (S.sent.length() == 0), rx.text(t("Nothing yet."), size="2", color=tokens.MUTED)),
        rx.vstack(rx.foreach(S.sent, _sent_row), spacing="0", width="100%", id="sent"),
    )


@portal_page(route="/notifications", title="Notifications", nav_label=N_("Notifications"), nav_icon="bell",
             nav_order=85, on_load=[S.load])
def notifications() -> rx.Component:
    return page_body(
        t("Notifications"),
        rx.cond(S.invited, rx.text(
            t("You were invited to this account: these choices decide only what we email you about it. The "
              "account holder keeps their own, and receipts and payment problems always reach them."),
            size="2", color=tokens.MUTED, id="invited-note"),
            rx.text(t("Choose what we tell you and how. Receipts, payment problems and security notices always "
                      "come by email."), size="2", color=tokens.MUTED)),
        notice_callout(S.notice, id="notifications-notice"),
        error_callout(_err("form")),
        rx.cond(S.texts_available, _phone_card()),
        _choices_form(),
        _sent_card(),
    )
