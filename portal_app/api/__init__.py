"""HTTP routes mounted beside the Reflex app (health, session cookie hand-off)."""

from starlette.applications import Starlette

from portal_app.api import auth_routes, calendar_routes, health


def build_api() -> Starlette:
    return Starlette(routes=[*health.routes, *auth_routes.routes, *calendar_routes.routes])
