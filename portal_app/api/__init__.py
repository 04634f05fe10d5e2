"""HTTP routes mounted beside the Reflex app (health, session cookie hand-off)."""

from starlette.applications import Starlette

from portal_app.api import auth_routes, health, staff_auth_routes


def build_api() -> Starlette:
    return Starlette(routes=[*health.routes, *auth_routes.routes, *staff_auth_routes.routes])
