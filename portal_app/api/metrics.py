"""GET /metrics (Prometheus text format) when PORTAL_METRICS is on; a 404 otherwise.

This worker's event latency by handler (portal_app/observability.py), and what the database says
for the whole portal: payments by status, the mail queue and each scheduled job's last outcome.
The proxy never serves it: scrape each worker's own address (README, "Production shape").
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal_app.config import get_settings
from portal_app.integrations.mail import MAX_ATTEMPTS
from portal_app.models import get_engine
from portal_app.observability import event_seconds


class DatabaseCollector:
    """Gauges read from the database at scrape time (the same on every worker: use max() across them)."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        payments = GaugeMetricFamily("portal_payments", "Payments by status (pending, succeeded, failed)", labels=["status"])
        queue = GaugeMetricFamily("portal_mail_queue", "Mail not sent yet and still being tried")
        dead = GaugeMetricFamily("portal_mail_given_up", "Mail given up after its attempts")
        jobs = GaugeMetricFamily("portal_job_last_outcome", "1 for each job's last outcome (ok, failed)",
                                 labels=["job", "outcome"])
        failing = GaugeMetricFamily("portal_job_failures_in_row", "Failed runs in a row, by job", labels=["job"])
        with get_engine().connect() as connection:
            for status, count in connection.execute(sa.text("SELECT status, COUNT(*) FROM payment GROUP BY status")):
                payments.add_metric([status], count)
            waiting, given_up = connection.execute(sa.text(
                "SELECT COALESCE(SUM(CASE WHEN attempts < :max THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN attempts >= :max THEN 1 ELSE 0 END), 0) FROM outbox_mail WHERE sent_at IS NULL"),
                {"max": MAX_ATTEMPTS}).one()
            queue.add_metric([], waiting)
            dead.add_metric([], given_up)
            for name, outcome, failures in connection.execute(
                    sa.text("SELECT name, last_outcome, failures_in_row FROM job_state")):
                if outcome:
                    jobs.add_metric([name, outcome], 1)
                failing.add_metric([name], failures)
        yield from (payments, queue, dead, jobs, failing)


def render() -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    event_seconds()  # registered before the first event, so a fresh worker shows it at zero
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessMetrics(REGISTRY))
    registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessMetrics:
    """This process's own metrics (the default registry), inside a registry of the response's own."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def collect(self):
        yield from self.registry.collect()


async def metrics(_request: Request) -> Response:
    if not get_settings().metrics:
        return PlainTextResponse("Not Found", status_code=404)
    body, content_type = await run_in_threadpool(render)
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


routes = [Route("/metrics", metrics, methods=["GET"])]
