"""Staff: an account's orders (workflow tasks: track in the portal, advance) and contracts with their evidence."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, primary_button
from portal_app.components.forms import stacked_form, text_field
from portal_app.components.staff_admin import account_view, form_card, row_button
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_orders import StaffOrdersState as S


def _tracking_form() -> rx.Component:
    return stacked_form(
        text_field("Portal name", "portal_name", error=S.errors.get("portal_name", ""), default_value=S.edit_name),
        text_field("Portal description (optional)", "portal_description",
                   error=S.errors.get("portal_description", ""), default_value=S.edit_description, textarea=True),
        rx.hstack(primary_button("SAVE TRACKING", type="submit"),
                  row_button("STOP TRACKING", S.stop_tracking, type="button"),
                  row_button("Cancel", S.cancel_edit, type="button"), wrap="wrap", spacing="2"),
        on_submit=S.save_tracking, spacing="2", id="tracking-form",
    )


def _hold_actions(workflow: rx.Var) -> rx.Component:
    """A vacation hold moves on by APPROVE / DECLINE, then by its dates (the daily job); END HOLD NOW ends one in
    force early."""
    status = workflow["hold_status"].to(str)
    hold_id = workflow["hold_id"].to(str)
    return rx.vstack(
        rx.text(workflow["hold_text"], size="2", class_name="hold-state"),
        rx.hstack(
            rx.cond(status == "requested", row_button("APPROVE", S.decide_hold(hold_id, True))),
            rx.cond(status == "requested", row_button("DECLINE", S.decide_hold(hold_id, False), color_scheme="red")),
            rx.cond((status == "requested") | (status == "approved"),
                    row_button("CANCEL HOLD", S.cancel_hold(hold_id), color_scheme="red")),
            rx.cond(status == "active", row_button("END HOLD NOW", S.end_hold(hold_id))),
            wrap="wrap", spacing="2"),
        spacing="1", width="100%", padding_y="0.5rem", class_name="hold-actions",
    )


def _task(task: rx.Var, workflow_open: rx.Var) -> rx.Component:
    raw = task["raw_status"].to(str)
    return rx.box(
        rx.hstack(
            rx.text(task["name"], weight="bold"),
            rx.cond(task["trackable"].to(bool),
                    rx.badge(rx.icon("eye", size=14, aria_hidden="true"), "Tracked", color_scheme="blue", high_contrast=True,
                             class_name="tracked-marker")),
            rx.badge(task["status"], color_scheme="gray", high_contrast=True),
            wrap="wrap", align="center",
        ),
        rx.cond(task["trackable"].to(bool),
                rx.text("Portal: ", task["portal_name"], size="2", color=tokens.MUTED)),
        rx.text("Runs: ", task["runs"], size="1", color=tokens.MUTED),
        rx.hstack(
            rx.cond(workflow_open & (raw != "in_progress"), row_button("START", S.advance(task["id"].to(str), "start"))),
            rx.cond(workflow_open & (raw != "completed"), row_button("COMPLETE", S.advance(task["id"].to(str), "complete"))),
            rx.cond(workflow_open & (raw != "completed") & (raw != "skipped"),
                    row_button("SKIP", S.advance(task["id"].to(str), "skip"))),
            row_button("Tracking…", S.edit(task["id"].to(str))),
            wrap="wrap", spacing="2", padding_top="0.25rem",
        ),
        rx.cond(S.editing == task["id"].to(str), _tracking_form()),
        border_bottom=f"1px solid {tokens.BORDER}", padding_y="0.75rem", width="100%",
        class_name="staff-task", data_task=task["name"],
    )


def _workflow(workflow: rx.Var) -> rx.Component:
    return card(rx.vstack(
        rx.hstack(rx.heading(workflow["title"], as_="h2", size="4"), rx.badge(workflow["status"], high_contrast=True), wrap="wrap"),
        rx.text(workflow["kind"], size="2", color=tokens.MUTED),
        rx.cond(workflow["hold_id"] != "", _hold_actions(workflow)),
        rx.foreach(workflow["tasks"].to(list[dict]),
                   lambda t: _task(t, workflow["open"].to(bool) & (workflow["hold_id"] == ""))),
        spacing="1", width="100%",
    ), class_name="staff-workflow")


def _contract(c: rx.Var) -> rx.Component:
    return card(rx.vstack(
        rx.hstack(rx.text(c["title"], weight="bold"), rx.badge(c["status"], high_contrast=True), wrap="wrap"),
        rx.cond(c["status"] == "Signed", rx.vstack(
            rx.text("Signed by ", c["signer_name"], " on ", c["signed_at"], size="2"),
            rx.text("Client address: ", c["signer_ip"], size="2"),
            rx.text("Browser: ", c["signer_user_agent"], size="1", word_break="break-all"),
            rx.text("SHA-256: ", c["sha256"], size="1", word_break="break-all"),
            spacing="1")),
        spacing="1", width="100%",
    ), class_name="staff-contract")


@staff_page(route="/staff/orders", title="Orders and contracts", on_load=[S.load])
def staff_orders() -> rx.Component:
    return account_view(
        S, "Orders and contracts",
        rx.cond(S.workflows.length() == 0, rx.text("No workflows.", color=tokens.MUTED)),
        rx.foreach(S.workflows, _workflow),
        rx.heading("Contracts", as_="h2", size="5"),
        rx.cond(S.contracts.length() == 0, rx.text("No contracts.", color=tokens.MUTED)),
        rx.foreach(S.contracts, _contract),
        form_card("Send a contract to sign",
                  text_field("Title", "title", error=S.errors.get("title", "")),
                  text_field("Contract text", "body_text", error=S.errors.get("body_text", ""), textarea=True),
                  submit="SEND CONTRACT", on_submit=S.send_contract, level="h3", id="send-contract-form"),
        notice=True,
    )
