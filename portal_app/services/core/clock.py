"""Today's date where the provider is: due dates and billing days follow the provider's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal_app.theming import current_theme


def provider_today(now: dt.datetime | None = None) -> dt.date:
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(current_theme().timezone)).date()
