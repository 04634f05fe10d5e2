"""The acting identity every service call names: who is asking, for which account."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    kind: str  # subscriber | staff | system
    display_name: str
    user_id: int | None = None
    account_id: int | None = None
    staff_user_id: int | None = None
    session_id: int | None = None
    staff_role: str = ""  # agent | admin, read from the staff row each time the session resolves
    # A subscriber's role on `account_id` (full | billing | view), read from the sign-in's membership of the
    # session's chosen account each time the session resolves; services check it with access.require_role.
    role: str = "full"
    # A subscriber's chosen language (their portal user's `language`, a CLDR locale), read with the session;
    # "" means the provider's default locale.
    language: str = ""

    @classmethod
    def system(cls, name: str = "System") -> "Principal":
        return cls(kind="system", display_name=name)
