"""Staff: the job runner (last run, outcome, next run) and the development outbox."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, error_callout
from portal_app.components.staff_admin import staff_view
from portal_app.components.staff_shell import staff_page
from portal_app.services.operations.dev_outbox import available as outbox_available
from portal_app.state.staff_jobs import StaffJobsState as S
from portal_app.state.staff_jobs import StaffOutboxState as O


def _job(j: rx.Var) -> rx.Component:
    return card(rx.vstack(
        rx.hstack(rx.text(j["title"], weight="bold"),
                  rx.badge(j["status"], color_scheme=rx.cond(j["failed"] != "", "red", "gray")),
                  spacing="2", align="center", wrap="wrap"),
        rx.text("Runs ", j["schedule"], " · last started ", j["last"], " · next ", j["next"], size="2",
                color=tokens.MUTED),
        rx.cond(j["summary"] != "", rx.text(j["summary"], size="2", overflow_wrap="anywhere")),
        rx.cond(j["retries"] != "", rx.text(j["retries"], size="2", color=tokens.DANGER)),
        spacing="1", width="100%", align="start",
    ), class_name="job-row", data_job=j["name"])


@staff_page(route="/staff/jobs", title="Jobs", nav_label="Jobs", nav_icon="timer", nav_order=75, on_load=[S.load])
def staff_jobs() -> rx.Component:
    return staff_view(
        "Jobs",
        rx.foreach(S.rows, _job),
        intro="The worker (python -m portal_app worker, started by make run) runs these in the provider's time "
              "zone. Several workers never run one job twice; a failed job is retried after 1, 2, 4, 8 and 16 "
              "minutes, then the admins get an email.",
    )


def _mail(m: rx.Var) -> rx.Component:
    return card(rx.vstack(
        rx.text(m["subject"], weight="bold"),
        rx.text("To ", m["to"], " · ", m["when"], " · ", m["state"], size="2", color=tokens.MUTED,
                overflow_wrap="anywhere"),
        rx.el.pre(m["body"], style={"white_space": "pre-wrap", "overflow_wrap": "anywhere", "font_size": "0.85rem",
                                    "margin": "0"}),
        spacing="1", width="100%", align="start",
    ), class_name="outbox-mail")


def _outbox() -> rx.Component:
    return staff_view(
        "Outbox (development)",
        error_callout(O.unavailable),
        rx.foreach(O.mails, _mail),
        rx.cond(O.loaded & (O.mails.length() == 0), rx.text("No mail yet.")),
        intro="No PORTAL_SMTP_URL is set, so mail stays here. Links in it work on this machine.",
    )


if outbox_available():  # development without SMTP only: production never has this page
    staff_page(route="/staff/outbox", title="Outbox", nav_label="Outbox", nav_icon="inbox", nav_order=90,
               on_load=[O.load])(_outbox)
