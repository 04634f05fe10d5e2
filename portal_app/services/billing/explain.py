"""Bill explained: what changed since the previous bill, line by line, in plain words.

Each invoice is compared with the account's previous one (not void). Monthly lines (services and
recurring fees) are matched by the service they bill, else by their name without the month; the
others (part-month lines, one-time charges, credits, late fees) belong to one bill only; taxes are
compared as a total. The amounts of the `changes` add up to exactly this bill minus the last one.
Then `account`: the payments and refunds since the last bill and the balance carried into this one.

Everything for the bills asked about is read in four queries, however many they are (the Invoices page
asks for one, when its "Why is my bill different?" is opened). The words,
amounts and dates are written by the `Formatter` passed in (the reader's; the provider's by default).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field


from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from portal_app.models import Invoice, InvoiceLine, Payment, PaymentAdjustment
from portal_app.services.billing import invoicing
from portal_app.services.core import formatting
from portal_app.services.core.formatting import Formatter
from portal_app.services.core.i18n import N_

RECURRING = ("service", "fee")
ONE_BILL = {"proration": N_("Part month"), "hold": N_("Vacation hold"), "one_time": N_("One-time charge"),
            "credit": N_("Credit"), "late_fee": N_("Late fee")}
_MONTH_SUFFIX = re.compile(r"\s*\([A-Z][a-z]{2} \d{4}\)$")
ADJUSTMENT_WORDS = {"refund": N_("Refund"), "dispute": N_("Payment disputed"), "return": N_("Payment returned by the bank")}


# Built once (building a statement costs about what running it does on SQLite).
ACCOUNT_INVOICES = (select(Invoice).where(Invoice.account_id == bindparam("account_id"))
                    .order_by(col(Invoice.issued_on), col(Invoice.id)))  # every status, oldest first
# Lines, payments and adjustments as plain rows of the columns read here (no ORM objects to build).
_LINES = (select(InvoiceLine.invoice_id, InvoiceLine.description, InvoiceLine.kind, InvoiceLine.amount_cents,
                 InvoiceLine.account_service_id)
          .where(col(InvoiceLine.invoice_id).in_(bindparam("invoice_ids", expanding=True)))
          .order_by(col(InvoiceLine.sort_order), col(InvoiceLine.id)))
_PAID = (select(Payment.created_at, Payment.amount_cents, Payment.method_label)
         .where(Payment.account_id == bindparam("account_id"), Payment.status == "succeeded")
         .order_by(col(Payment.created_at)))
_TAKEN = (select(PaymentAdjustment.created_at, PaymentAdjustment.amount_cents, PaymentAdjustment.kind)
          .where(PaymentAdjustment.account_id == bindparam("account_id"),
                 col(PaymentAdjustment.status).in_(("pending", "applied")))
          .order_by(col(PaymentAdjustment.created_at)))


@dataclass(frozen=True)
class Reason:
    text: str
    amount_cents: int | None = None  # what it adds to this bill (negative: takes off); None: words only


@dataclass(frozen=True)
class Explanation:
    headline: str
    changes: list[Reason] = field(default_factory=list)
    account: list[Reason] = field(default_factory=list)



def _day(moment: dt.datetime, fmt: Formatter) -> str:
    return fmt.date(moment, 'MMMd')


def _name(line: InvoiceLine) -> str:
    return _MONTH_SUFFIX.sub("", line.description)


def _kind(line: InvoiceLine) -> str:
    # Lines from another billing system carry no kind: a negative one is a credit.
    return "credit" if line.kind in RECURRING and line.amount_cents < 0 else line.kind


def _same_service(a: InvoiceLine, b: InvoiceLine) -> bool:
    return a.account_service_id is not None and a.account_service_id == b.account_service_id


def _same_name(a: InvoiceLine, b: InvoiceLine) -> bool:
    return _name(a) == _name(b)


def _match(current: list[InvoiceLine], previous: list[InvoiceLine]) -> tuple[list, list, list]:
    """(pairs, new, gone) of monthly lines: by service first, then by name."""
    left, pairs = list(previous), []
    for same in (_same_service, _same_name):
        unmatched = []
        for line in current:
            found = next((p for p in left if same(p, line)), None)
            if found is None:
                unmatched.append(line)
            else:
                left.remove(found)
                pairs.append((found, line))
        current = unmatched
    return pairs, current, left


def _monthly_changes(current: list[InvoiceLine], previous: list[InvoiceLine],
                     fmt: Formatter) -> tuple[list[Reason], list[str]]:
    money, say = fmt.money, fmt.say
    pairs, new, gone = _match(current, previous)
    reasons, same = [], []
    for before, now in pairs:
        if before.amount_cents == now.amount_cents and _name(before) == _name(now):
            same.append(_name(now))
        elif _name(before) != _name(now):
            reasons.append(Reason(say("%(before)s changed to %(now)s: %(was)s → %(price)s a month", before=_name(before),
                                      now=_name(now), was=money(before.amount_cents), price=money(now.amount_cents)),
                                  now.amount_cents - before.amount_cents))
        else:
            reasons.append(Reason(say("%(name)s: price changed from %(was)s to %(price)s a month", name=_name(now),
                                      was=money(before.amount_cents), price=money(now.amount_cents)),
                                  now.amount_cents - before.amount_cents))
    reasons += [Reason(say("New: %(name)s, %(price)s a month", name=_name(line), price=money(line.amount_cents)),
                       line.amount_cents) for line in new]
    reasons += [Reason(say("No longer billed: %(name)s (was %(price)s a month)", name=_name(line),
                           price=money(line.amount_cents)), -line.amount_cents) for line in gone]
    return reasons, same


def _changes(current: list[InvoiceLine], previous: list[InvoiceLine] | None, fmt: Formatter) -> list[Reason]:
    money, say = fmt.money, fmt.say
    previous = previous or []
    monthly = lambda lines: [x for x in lines if _kind(x) in RECURRING]  # noqa: E731
    reasons, same = _monthly_changes(monthly(current), monthly(previous), fmt)
    parts = [x for x in current if _kind(x) == "proration"]
    if parts:
        reasons.append(Reason(say("A package change in a month already billed is put right: the old price's days "
                                  "are credited and the new price's days charged.")))
        reasons += [Reason(line.description, line.amount_cents) for line in parts]
    held = [x for x in current if _kind(x) == "hold"]
    if held:
        if any(invoicing.ENDED_EARLY not in line.description for line in held):
            reasons.append(Reason(say("Your vacation hold: its days are billed at the hold price instead of your "
                                      "package's price, so those days are credited and the hold charged.")))
        if any(invoicing.ENDED_EARLY in line.description for line in held):
            reasons.append(Reason(say("Your vacation hold ended early: the days after it that an earlier bill "
                                      "billed at the hold price are billed at your package's price again.")))
        reasons += [Reason(line.description, line.amount_cents) for line in held]
    for line in current:
        if _kind(line) in ONE_BILL and _kind(line) not in ("proration", "hold"):
            reasons.append(Reason(say("%(kind)s: %(line)s", kind=ONE_BILL[_kind(line)], line=line.description),
                                  line.amount_cents))
    before = [x for x in previous if _kind(x) in ONE_BILL]
    if before:
        reasons.append(Reason(say("Not repeated from your last bill: %(lines)s",
                                  lines="; ".join(x.description for x in before)), -sum(x.amount_cents for x in before)))
    taxes_now = sum(x.amount_cents for x in current if _kind(x) == "tax")
    taxes_before = sum(x.amount_cents for x in previous if _kind(x) == "tax")
    if taxes_now != taxes_before:
        reasons.append(Reason(say("Taxes: %(was)s → %(now)s (they follow the charges above)", was=money(taxes_before),
                                  now=money(taxes_now)), taxes_now - taxes_before))
    elif taxes_now:
        same.append(say("taxes"))
    if same and previous:
        reasons.append(Reason(say("Same as your last bill: %(lines)s.", lines=", ".join(same))))
    return reasons


def _headline(invoice: Invoice, previous: Invoice | None, fmt: Formatter) -> str:
    money, say = fmt.money, fmt.say
    if previous is None:
        return say("This is your first bill: %(total)s.", total=money(invoice.total_cents))
    difference = invoice.total_cents - previous.total_cents
    if difference == 0:
        return say("This bill is %(total)s, the same as your last bill.", total=money(invoice.total_cents))
    if difference > 0:
        return say("This bill is %(total)s, %(difference)s more than your last bill (%(last)s).",
                   total=money(invoice.total_cents), difference=money(difference), last=money(previous.total_cents))
    return say("This bill is %(total)s, %(difference)s less than your last bill (%(last)s).",
               total=money(invoice.total_cents), difference=money(-difference), last=money(previous.total_cents))


def explain_invoices(db: Session, *, account_id: int, invoice_ids: list[int],
                     fmt: Formatter | None = None) -> dict[int, Explanation]:
    """The explanation of each of `invoice_ids` (all of `account_id`; the caller checked that), in the words
    and formats of `fmt` (the provider's default locale when None)."""
    fmt = fmt or formatting.formatter()
    if not invoice_ids:
        return {}
    invoices = [i for i in db.exec(ACCOUNT_INVOICES, params={"account_id": account_id}) if i.status != "void"]
    previous = {now.id: before for before, now in zip([None, *invoices], invoices)}
    wanted = [i for i in invoices if i.id in set(invoice_ids)]
    needed = {i.id for i in wanted} | {previous[i.id].id for i in wanted if previous[i.id] is not None}
    lines: dict[int, list[InvoiceLine]] = {}
    for line in db.exec(_LINES, params={"invoice_ids": sorted(needed)}):
        lines.setdefault(line.invoice_id, []).append(line)
    paid = list(db.exec(_PAID, params={"account_id": account_id}))
    taken = list(db.exec(_TAKEN, params={"account_id": account_id}))
    position = {i.id: n for n, i in enumerate(invoices)}
    explained = {}
    for invoice in wanted:
        before = previous[invoice.id]
        billed_before = sum(i.total_cents for i in invoices[:position[invoice.id]])
        account = _account(invoice, before, billed_before, paid, taken, fmt)
        explained[invoice.id] = Explanation(
            headline=_headline(invoice, before, fmt),
            changes=_changes(lines.get(invoice.id, []), lines.get(before.id, []) if before else None, fmt),
            account=account)
    return explained


def _account(invoice: Invoice, before: Invoice | None, billed_before: int, paid: list[Payment],
             taken: list[PaymentAdjustment], fmt: Formatter) -> list[Reason]:
    """Payments and refunds since the last bill, and the balance carried into this one."""
    money, say = fmt.money, fmt.say
    if before is None and billed_before == 0:
        return []
    since = before.created_at if before is not None else None
    in_between = lambda when: (since is None or when >= since) and when < invoice.created_at  # noqa: E731
    reasons = [Reason(say("Your last bill, %(number)s: %(total)s", number=before.number,
                          total=money(before.total_cents)))] if before else []
    reasons += [Reason(say("Payment %(day)s (%(method)s), thank you", day=_day(p.created_at, fmt), method=p.method_label),
                       -p.amount_cents) for p in paid if in_between(p.created_at)]
    reasons += [Reason(say("%(what)s on %(day)s", what=ADJUSTMENT_WORDS.get(a.kind, a.kind.title()),
                           day=_day(a.created_at, fmt)), a.amount_cents) for a in taken if in_between(a.created_at)]
    carried = (billed_before - sum(p.amount_cents for p in paid if p.created_at < invoice.created_at)
               + sum(a.amount_cents for a in taken if a.created_at < invoice.created_at))
    if carried > 0:
        reasons.append(Reason(say("Still to pay from before, carried into this bill: %(amount)s", amount=money(carried)),
                              carried))
    elif carried < 0:
        reasons.append(Reason(say("Credit from before, taken off this bill: %(amount)s", amount=money(-carried)),
                              carried))
    else:
        reasons.append(Reason(say("Everything before this bill is paid: nothing carried over.")))
    if carried:
        owed = invoice.total_cents + carried
        reasons.append(Reason(say("With this bill you owe %(owed)s and keep a credit of %(credit)s.", owed=money(0),
                                  credit=money(-owed)) if owed < 0
                              else say("With this bill you owe %(owed)s.", owed=money(owed))))
    return reasons
