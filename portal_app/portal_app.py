"""The Reflex app: provider theme, pages, and the HTTP routes mounted beside them."""

import reflex as rx

from portal_app import log_redaction
from portal_app.api.request_ids import RequestIds
from portal_app.observability import configure_logging
from portal_app import pages  # noqa: F401  (importing registers every page)
from portal_app.api import build_api
from portal_app.api.http_security import HttpSecurity
from portal_app.config import get_settings
from portal_app.components.shell import PAGE_LOADERS
from portal_app.state import connection, failover, live
from portal_app.state.session import SessionState
from portal_app.state.observe import EventObserver
from portal_app.state.tab_guard import TabGuard
from portal_app.components import tokens
from portal_app.webapp import head_components

get_settings().check_production_safety()
# Before anything logs: no session cookie in any log line, and no link token in production.
log_redaction.install(links=get_settings().is_production)
configure_logging(get_settings().log_format)
# Several workers: a tab whose worker dies comes back on another one with its state (not as a copy).
failover.install()
# A tab's cookies stay beside Reflex's router data, never in it (nor in the stored state).
connection.install()

app = rx.App(
    # Favicon, manifest, app icons, the browser bars' colours in light and dark mode.
    head_components=head_components(),
    stylesheets=["/portal.css"],
    # Links in the provider's accent, contrast-checked by the theme loader (Radix's own accent
    # step 11 is not checked, and for some brand colours reads under 4.5:1 on the page canvas).
    style={rx.link: {"color": tokens.ACCENT}},
    # Our routes first, then security headers and the pre-session cookie around everything.
    api_transformer=[build_api(), HttpSecurity, RequestIds],
)
# Before every event: a tab's state never outlives the sign-in it was loaded under.
app.add_middleware(EventObserver())  # first: every event's log lines carry its id
app.add_middleware(TabGuard())
# Changes made elsewhere (staff, jobs, other workers) reach the subscribers' open pages (state/live.py).
live.install(app, page_loaders=PAGE_LOADERS, banner_refresh=SessionState.require_subscriber)
