"""The provider's switches (one ProviderSettings row), read fresh on every use so that a change
made through one worker applies on every worker at once."""

from __future__ import annotations

from sqlmodel import Session, select

from portal_app.models import ProviderSettings


def provider_settings(db: Session) -> ProviderSettings:
    """The provider's settings row, or the defaults when none has been saved yet."""
    return db.exec(select(ProviderSettings)).first() or ProviderSettings()
