"""The provider's switches as admins change them on the Settings page: what each does for
subscribers, validation, history of changes.

Every service reads the row from the database when it needs it, so a change here takes effect on
every web worker and job worker at their next request, with no cache to expire and no restart.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from portal_app.models import ProviderSettings
from portal_app.services.staff import staff_audit
from portal_app.services.core.access import ADMIN, require_staff
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core import formatting
from portal_app.services.core.principal import Principal


@dataclass(frozen=True)
class Switch:
    name: str
    label: str
    kind: str  # one of KINDS
    help: str  # what it does for subscribers, shown under it
    most: int | None = None  # the largest number allowed (days and counts; else the kind's own limit)


KINDS = ("bool", "money", "hours", "days", "count", "text")
SWITCH_FILE = Path(__file__).resolve().parents[2] / "data" / "provider_switches.toml"


def _load_switches() -> tuple[Switch, ...]:
    """The switches as the data file lists them; each must name a ProviderSettings column and a known kind."""
    switches = tuple(Switch(**row) for row in tomllib.loads(SWITCH_FILE.read_text(encoding="utf-8"))["switch"])
    wrong = [s.name for s in switches if s.name not in ProviderSettings.model_fields or s.kind not in KINDS]
    if wrong:
        raise ValueError(f"{SWITCH_FILE.name}: no such setting or kind for {', '.join(wrong)}")
    return switches


SWITCHES = _load_switches()
BY_NAME = {switch.name: switch for switch in SWITCHES}


def shown(settings: ProviderSettings, switch: Switch) -> str:
    """The value as the form shows it (dollars for money)."""
    value = getattr(settings, switch.name)
    if switch.kind == "bool":
        return "on" if value else "off"
    if switch.kind == "money":
        return f"{value // 100}.{value % 100:02d}"
    return str(value)


def form_values(db: Session, *, principal: Principal) -> dict[str, str]:
    require_staff(principal, role=ADMIN, what="settings")
    settings = provider_settings(db)
    return {switch.name: shown(settings, switch) for switch in SWITCHES}


def _parse(switch: Switch, raw: object, errors: dict[str, str]) -> object:
    text = str(raw if raw is not None else "").strip()
    if switch.kind == "bool":
        return text.lower() in ("on", "true", "1", "yes")
    if switch.kind == "text":
        if len(text) > 300:
            errors[switch.name] = "Keep it under 300 characters."
        return text
    if switch.kind == "money":
        cents = formatting.parse_amount(text)
        if cents is None or cents < 0:
            errors[switch.name] = "Enter an amount in dollars and cents, such as 20.00."
        return cents
    if not text.isdigit():
        errors[switch.name] = "Enter a whole number, 0 or more."
        return None
    number = int(text)
    if switch.kind == "hours" and number > 24 * 30:
        errors[switch.name] = "At most 720 hours (30 days)."
    if switch.kind == "days" and number > (switch.most or 60):
        errors[switch.name] = f"At most {switch.most or 60} days."
    if switch.kind == "count" and number > (switch.most or 10):
        errors[switch.name] = f"At most {switch.most or 10}."
    return number


def update(db: Session, *, principal: Principal, values: dict[str, object]) -> list[str]:
    """Save the whole form; returns the changes in words (also in the staff audit log, which is the history)."""
    require_staff(principal, role=ADMIN, what="settings")
    errors: dict[str, str] = {}
    parsed = {name: _parse(BY_NAME[name], values.get(name), errors) for name in BY_NAME}
    short, long = parsed["hold_min_days"], parsed["hold_max_days"]
    if isinstance(short, int) and isinstance(long, int) and "hold_max_days" not in errors and long < max(1, short):
        errors["hold_max_days"] = "At least the fewest days of a hold."
    low, high = parsed["min_payment_cents"], parsed["max_payment_cents"]
    if not errors and isinstance(low, int) and isinstance(high, int):
        if low < 100:
            errors["min_payment_cents"] = f"At least {formatting.money(100)} (card processors refuse smaller charges)."
        elif high <= low:
            errors["max_payment_cents"] = "Must be more than the smallest payment."
    if errors:
        raise FieldErrors(errors)
    settings = db.exec(select(ProviderSettings)).first()
    if settings is None:
        settings = ProviderSettings()
    changes = []
    for switch in SWITCHES:
        before, after = getattr(settings, switch.name), parsed[switch.name]
        if before == after:
            continue
        setattr(settings, switch.name, after)
        words = {"money": lambda v: formatting.money(v), "bool": lambda v: "on" if v else "off"}.get(switch.kind, repr)
        changes.append(f"{switch.label}: {words(before)} → {words(after)}")
    if changes:
        db.add(settings)
        staff_audit.record(db, principal=principal, action="settings.update", target="provider settings",
                           detail="; ".join(changes))
    return changes
