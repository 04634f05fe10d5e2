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


def test_links_follow_the_port_make_run_serves_when_no_public_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """`PORT=8080 make run` serves on 8080: the links in its mail must point there too."""
    from portal_app.services.identity import tokens

    monkeypatch.delenv("PORTAL_PUBLIC_URL", raising=False)
    monkeypatch.setenv("PORT", "8080")
    assert Settings().public_url == "http://localhost:8080"
    monkeypatch.setattr("portal_app.services.identity.tokens.get_settings", lambda: Settings())
    assert tokens.link("/verify", "abc").startswith("http://localhost:8080/verify?token=")
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.lumenfiber.example")
    assert Settings().public_url == "https://portal.lumenfiber.example"
    monkeypatch.delenv("PORTAL_PUBLIC_URL")
    monkeypatch.delenv("PORT")
    assert Settings().public_url == "http://localhost:3000"


def test_make_run_passes_its_port_to_the_app() -> None:
    from portal_app.config import PROJECT_ROOT

    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "export PORT" in makefile


def test_readme_gives_the_business_demo_account_its_billing_zip() -> None:
    """Business sign-up asks for the billing ZIP, so the README's demo table must give it."""
    from portal_app.config import PROJECT_ROOT
    from portal_app.jobs import demo_data

    row = next(line for line in (PROJECT_ROOT / "README.md").read_text().splitlines()
               if demo_data.BUSINESS_ACCOUNT in line and "|" in line)
    assert "billing ZIP 78701" in row


@pytest.mark.parametrize("value", ["prod", "Production", "staging", ""])
def test_an_unknown_portal_env_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from pydantic import ValidationError

    from portal_app.config import Settings

    monkeypatch.setenv("PORTAL_ENV", value)
    with pytest.raises(ValidationError):
        Settings()
