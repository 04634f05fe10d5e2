"""Who is signing in: sessions, passwords, tokens, sign-up, two-factor, rate limits."""

# Registers the listeners that empty every worker's cache of resolved sessions when one changes (in any
# process that can change a sign-in, since every such change imports this package).
from portal_app.services.identity import session_cache as _session_cache  # noqa: E402,F401
