"""What the home page shows a signed-in subscriber."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from portal_app.services import billing
from portal_app.services.access import access_account
from portal_app.services.principal import Principal


@dataclass(frozen=True)
class HomeSummary:
    display_name: str
    first_name: str
    account_number: str
    account_kind: str
    service_address: str
    balance_cents: int
    due_on: dt.date | None
    past_due: bool


def home_summary(db: Session, *, principal: Principal, today: dt.date) -> HomeSummary:
    account = access_account(db, principal)
    due = billing.amount_due(db, account_id=account.id, today=today)
    address = ", ".join(
        part
        for part in (account.service_street, account.service_city, f"{account.service_state} {account.service_zip}".strip())
        if part
    )
    return HomeSummary(
        display_name=account.display_name,
        first_name=account.first_name or account.display_name,
        account_number=account.account_number,
        account_kind=account.kind,
        service_address=address,
        balance_cents=due.balance_cents,
        due_on=due.due_on,
        past_due=due.past_due,
    )
