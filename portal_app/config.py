"""Deployment settings, read from environment variables with safe local defaults."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Settings that take one of a few words: anything else is refused at startup.
CHOICES = {"env": ("development", "production"), "log_format": ("text", "json")}


def _local_url() -> str:
    port = os.environ.get("PORT", "").strip()
    return f"http://localhost:{port if port.isdigit() else 3000}"


class Settings(BaseSettings):
    """One deployment's configuration; every field has an env var PORTAL_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    env: str = "development"  # "production" turns on Secure cookies and refuses unsafe defaults
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'portal.db'}"
    theme: str = "demo"
    smtp_url: str = ""  # empty: mail stays in the outbox and is printed to the log
    mail_from: str = ""  # sender address; empty: the theme's support email
    payments: str = "sandbox"
    allow_sandbox_in_production: bool = False
    stripe_secret_key: str = ""  # PORTAL_STRIPE_SECRET_KEY (sk_live_... / sk_test_...)
    stripe_webhook_secret: str = ""  # PORTAL_STRIPE_WEBHOOK_SECRET (whsec_...)
    stripe_api_base: str = ""  # tests point this at localstripe
    # Unset: the address `make run` serves (its PORT), so links in mail work locally on any port.
    public_url: str = Field(default_factory=_local_url)
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    secret_key: str = "dev-only-secret-change-me"
    # Self sign-up proves control of the account by a link to an email already on its contacts;
    # these let a provider also accept a value from the latest bill, or hold new sign-ins for staff.
    signup_bill_proof: bool = False  # PORTAL_SIGNUP_BILL_PROOF
    signup_staff_approval: bool = False  # PORTAL_SIGNUP_STAFF_APPROVAL
    log_format: str = "text"  # PORTAL_LOG_FORMAT: text | json (one JSON object per line, with the request id)
    metrics: bool = False  # PORTAL_METRICS: serve /metrics (Prometheus text format) on each worker
    # Staff sign-in with the provider's identity provider (OpenID Connect); off while these are unset.
    staff_oidc_issuer: str = ""  # PORTAL_STAFF_OIDC_ISSUER, e.g. https://login.provider.example
    staff_oidc_client_id: str = ""  # PORTAL_STAFF_OIDC_CLIENT_ID
    staff_oidc_client_secret: str = ""  # PORTAL_STAFF_OIDC_CLIENT_SECRET
    staff_oidc_allowed_domain: str = ""  # PORTAL_STAFF_OIDC_ALLOWED_DOMAIN: only name@<domain> may sign in
    staff_oidc_label: str = "SSO"  # PORTAL_STAFF_OIDC_LABEL: the button reads SIGN IN WITH <label>
    # Text messages through Twilio; off (email only) while these are unset.
    twilio_account_sid: str = ""  # PORTAL_TWILIO_ACCOUNT_SID (AC...)
    twilio_auth_token: str = ""  # PORTAL_TWILIO_AUTH_TOKEN (also checks the inbound webhook's signature)
    twilio_from_number: str = ""  # PORTAL_TWILIO_FROM_NUMBER: +15125550100, or a Messaging Service SID (MG...)
    twilio_api_base: str = ""  # tests point this at a local fake of api.twilio.com

    @field_validator("env", "log_format")
    @classmethod
    def _known_choice(cls, value: str, info: ValidationInfo) -> str:
        # A typo ("prod", "Production ") must not quietly run with development defaults.
        allowed = CHOICES[info.field_name or ""]
        if value not in allowed:
            raise ValueError(f"PORTAL_{(info.field_name or '').upper()} must be " + " or ".join(f"'{a}'" for a in allowed))
        return value

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, value: str) -> str:
        # psycopg 3 is the installed driver; accept the common short scheme.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://"):]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        return value

    @model_validator(mode="after")
    def _staff_oidc_all_or_nothing(self) -> "Settings":
        # Half a configuration would quietly hide the button (or let any domain in): refuse to start.
        parts = {"PORTAL_STAFF_OIDC_ISSUER": self.staff_oidc_issuer, "PORTAL_STAFF_OIDC_CLIENT_ID": self.staff_oidc_client_id,
                 "PORTAL_STAFF_OIDC_CLIENT_SECRET": self.staff_oidc_client_secret,
                 "PORTAL_STAFF_OIDC_ALLOWED_DOMAIN": self.staff_oidc_allowed_domain}
        missing = [name for name, value in parts.items() if not value.strip()]
        if missing and len(missing) < len(parts):
            raise ValueError(f"Staff sign-in with an identity provider needs {', '.join(missing)} as well "
                             "(or none of the PORTAL_STAFF_OIDC_* settings, to turn it off)")
        self.staff_oidc_allowed_domain = self.staff_oidc_allowed_domain.strip().lstrip("@").lower()
        return self

    @model_validator(mode="after")
    def _twilio_all_or_nothing(self) -> "Settings":
        parts = {"PORTAL_TWILIO_ACCOUNT_SID": self.twilio_account_sid, "PORTAL_TWILIO_AUTH_TOKEN": self.twilio_auth_token,
                 "PORTAL_TWILIO_FROM_NUMBER": self.twilio_from_number}
        missing = [name for name, value in parts.items() if not value.strip()]
        if missing and len(missing) < len(parts):
            raise ValueError(f"Text messages need {', '.join(missing)} as well "
                             "(or none of the PORTAL_TWILIO_* settings, to send email only)")
        return self

    @property
    def sms_enabled(self) -> bool:
        return bool(self.twilio_account_sid.strip())

    @property
    def staff_oidc_enabled(self) -> bool:
        return bool(self.staff_oidc_issuer.strip())

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of PORTAL_PUBLIC_URL: the only Origin the websocket and CORS accept."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check_production_safety(self) -> None:
        """Refuse to run a production deployment on development defaults."""
        if not self.is_production:
            return
        problems = []
        if self.secret_key == "dev-only-secret-change-me" or len(self.secret_key) < 32:
            problems.append("PORTAL_SECRET_KEY must be set to a random value of 32+ characters")
        if self.payments == "sandbox" and not self.allow_sandbox_in_production:
            problems.append(
                "PORTAL_PAYMENTS=sandbox takes no real money; set PORTAL_ALLOW_SANDBOX_IN_PRODUCTION=true to run it anyway"
            )
        if self.payments == "stripe" and not (self.stripe_secret_key and self.stripe_webhook_secret):
            problems.append("PORTAL_PAYMENTS=stripe needs PORTAL_STRIPE_SECRET_KEY and PORTAL_STRIPE_WEBHOOK_SECRET")
        if not self.public_url.startswith("https://"):
            problems.append("PORTAL_PUBLIC_URL must be the portal's https:// address (email links use it)")
        if problems:
            raise RuntimeError("Unsafe production settings: " + "; ".join(problems))


@cache
def get_settings() -> Settings:
    return Settings()
