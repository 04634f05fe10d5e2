"""Import (admin): upload the provider's CSV files, read the dry run, apply."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, notice_callout, primary_button
from portal_app.components.staff_admin import admin_page
from portal_app.services.operations.importer import HEADERS
from portal_app.state.staff_import import StaffImportState as S


def _count(c: rx.Var) -> rx.Component:
    return rx.text(rx.text.strong(c["kind"]), ": ", c["create"], " new, ", c["change"], " changed, ", c["unchanged"],
                   " unchanged, ", c["refuse"], " refused", size="2", class_name="import-count")


def _row(r: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(r["where"], size="2", min_width="11rem"),
        rx.text(r["key"], size="2", min_width="8rem", overflow_wrap="anywhere"),
        rx.badge(r["outcome"], color_scheme=rx.cond(r["outcome"] == "refuse", "red", "gray")),
        rx.text(r["reason"], size="2", overflow_wrap="anywhere"),
        spacing="2", wrap="wrap", width="100%", padding_y="0.25rem", border_bottom=f"1px solid {tokens.BORDER}",
        class_name="import-row",
    )


def _formats() -> rx.Component:
    return rx.el.details(
        rx.el.summary("The files and their columns"),
        rx.vstack(*[rx.text(rx.code(f"{kind}.csv"), ": ", ", ".join(columns), size="2", overflow_wrap="anywhere")
                    for kind, columns in HEADERS.items()],
                  rx.text("Sample files: samples/import in the portal's source. Details in the README.", size="2"),
                  spacing="1", padding_top="0.5rem"),
    )


@admin_page(route="/staff/import", title="Import", state=S, nav_icon="upload", nav_order=78,
            heading="Import subscribers", notice=False, max_width="960px")
def staff_import() -> list[rx.Component]:
    return [
        error_callout(S.problem, id="import-problem"),
        card(rx.vstack(
            rx.text("Upload one or more CSV files from your billing system. Nothing is written until you "
                    "read the dry run and press APPLY; importing the same files again changes nothing.",
                    size="2", color=tokens.MUTED),
            rx.el.form(
                rx.vstack(
                    rx.el.label("CSV files", html_for="import-files", font_weight="500"),
                    rx.el.input(id="import-files", name="files", type="file", multiple=True, accept=".csv,text/csv",
                                style={"min_height": tokens.TOUCH_TARGET, "max_width": "100%"}),
                    primary_button("UPLOAD AND CHECK", type="submit"),
                    spacing="2", width="100%",
                ),
                # A real multipart post to the upload route: Reflex forms stop the browser's own submit,
                # so the handler submits the form natively (form.submit() fires no submit event).
                on_submit=rx.call_script("document.getElementById('import-form').submit()"),
                id="import-form", action="/staff/import/upload", method="post", enc_type="multipart/form-data",
                width="100%",
            ),
            _formats(),
            spacing="3", width="100%",
        )),
        rx.cond(S.summary != "", card(rx.vstack(
            rx.heading(rx.cond(S.applied, "Imported", "Dry run"), as_="h2", size="4"),
            rx.text("Files: ", S.file_names, size="2", color=tokens.MUTED),
            rx.foreach(S.counts, _count),
            rx.cond(S.applied, notice_callout("Imported. " + S.summary, id="import-applied"),
                    rx.cond(S.ok, primary_button("APPLY", on_click=S.apply, id="import-apply"),
                            error_callout("Fix the refused rows and upload again: nothing is imported while "
                                          "any row is refused.", id="import-refused"))),
            rx.vstack(rx.foreach(S.rows, _row), spacing="0", width="100%"),
            rx.cond(S.more != "", rx.text(S.more, size="2", color=tokens.MUTED)),
            spacing="2", width="100%",
        ), id="import-report")),
    ]
