"""HTTP routes mounted beside the Reflex app (health, session cookie hand-off, documents)."""

from starlette.applications import Starlette

from portal_app.api import (
    auth_routes, billing_routes, calendar_routes, contract_routes, health, import_routes, integration_routes,
    metrics, payment_webhooks, sms_webhook, staff_auth_routes, staff_documents,
)


def build_api() -> Starlette:
    return Starlette(
        routes=[
            *health.routes,
            *auth_routes.routes,
            *staff_auth_routes.routes,
            *billing_routes.routes,
            *payment_webhooks.routes,
            *sms_webhook.routes,
            *calendar_routes.routes,
            *contract_routes.routes,
            *import_routes.routes,
            *staff_documents.routes,
            *integration_routes.routes,
            *metrics.routes,
        ]
    )
