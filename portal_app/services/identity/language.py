"""The language a portal user reads the portal, their mail and their PDFs in (PortalUser.language)."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.models import PortalUser
from portal_app.services.core import history, i18n
from portal_app.services.core.principal import Principal


def language_of(db: Session, principal: Principal) -> str | None:
    """The signed-in subscriber's chosen language ("es"), None when they never chose one."""
    if principal.kind != "subscriber" or principal.user_id is None:
        return None
    user = db.get(PortalUser, principal.user_id)
    return i18n.language_of(user.language) if user is not None and user.language else None


def set_language(db: Session, *, user: PortalUser, lang: str, principal: Principal | None = None) -> bool:
    """Store `lang` ("en", "es") as the user's locale (en_US, es_US); False when it was already theirs."""
    if lang not in i18n.LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    locale = i18n.locale_of(lang)
    if user.language == locale:
        return False
    user.language = locale
    db.add(user)
    history.record_access(db, user=user, action="language_changed", principal=principal,
                          summary=f"{user.username} reads the portal in {i18n.LANGUAGES[lang]}")
    return True


def choose_language(db: Session, *, principal: Principal, lang: str) -> bool:
    """The signed-in subscriber picks a language in the header: their own sign-in only."""
    if principal.kind != "subscriber" or principal.user_id is None:
        return False
    user = db.get(PortalUser, principal.user_id)
    if user is None or user.account_id != principal.account_id:
        return False
    return set_language(db, user=user, lang=lang, principal=principal)
