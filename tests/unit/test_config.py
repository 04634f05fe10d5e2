"""Settings: safe local defaults, and a production deployment refuses development defaults."""

from __future__ import annotations

import pytest

from portal_app.config import Settings


def test_development_defaults_need_nothing() -> None:
    settings = Settings(_env_file=None)
    settings.check_production_safety()
    assert settings.database_url.startswith("sqlite:///") and settings.payments == "sandbox"


def test_production_on_development_defaults_names_every_problem() -> None:
    settings = Settings(env="production")
    with pytest.raises(RuntimeError) as refused:
        settings.check_production_safety()
    message = str(refused.value)
    for setting in ("PORTAL_SECRET_KEY", "PORTAL_PAYMENTS=sandbox", "PORTAL_PUBLIC_URL"):
        assert setting in message


def test_stripe_production_needs_its_keys_and_then_starts() -> None:
    base = dict(env="production", secret_key="k" * 40, public_url="https://portal.lumenfiber.example", payments="stripe")
    with pytest.raises(RuntimeError, match="PORTAL_STRIPE_SECRET_KEY"):
        Settings(**base).check_production_safety()
    Settings(**base, stripe_secret_key="sk_test_x", stripe_webhook_secret="whsec_x").check_production_safety()


@pytest.mark.parametrize("given", ["postgres://u:p@db/portal", "postgresql://u:p@db/portal"])
def test_postgres_urls_use_the_installed_driver(given: str) -> None:
    assert Settings(database_url=given).database_url == "postgresql+psycopg://u:p@db/portal"


@pytest.mark.parametrize("value", ["prod", "Production", "staging", ""])
def test_an_unknown_portal_env_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from pydantic import ValidationError

    from portal_app.config import Settings

    monkeypatch.setenv("PORTAL_ENV", value)
    with pytest.raises(ValidationError):
        Settings()
