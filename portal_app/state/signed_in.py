"""One preamble for every signed-in event handler, subscriber or staff.

Each event resolves the tab's session exactly once (revocation and idle expiry are honoured on
every event), then runs its work with that principal in one database session on a worker thread,
so the event loop never waits on the database. What can go wrong ends the same way everywhere:

- the session is gone: the tab's whole state tree is reset and the page goes to sign-in (then back);
- a service refuses the input (`FieldErrors`): the messages land beside their fields;
- anything else a service refuses (`PortalError`: not found or not yours, a role that may not,
  a cutoff passed...): its message, written for the user, on the page (`_show_problem`).
Either way nothing of the event's work is committed.

Handlers use `@signed_in_event` (the body gets `db` and `principal` before the event's arguments)
or, when they must do something on the loop first (fetch sibling states, show a spinner),
`await self._signed_in(work)`, which returns what the handler should return.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from portal_app.models import session_scope
from portal_app.services.core.access import require_role
from portal_app.services.core.errors import FieldErrors, Forbidden, PortalError, RoleRefused
from portal_app.services.core.principal import Principal
from portal_app.services.identity.auth import SessionInvalid
from portal_app.state.tab_guard import reset_tab

Work = Callable[[Session, Principal], Any]


def _in_one_session(state: SignedIn, token: str | None, work: Work, page_load: bool, needs: str | None) -> Any:
    with session_scope() as db:
        principal = state._resolve(db, token)
        state._on_principal(principal)
        if page_load:
            state._on_page_load(db, principal)
        if needs:  # the handler changes the account: the signed-in role must allow it (services check again)
            require_role(principal, needs)
        return work(db, principal)


class SignedIn(rx.State, mixin=True):
    """What subscriber and staff states share: the session check and the error mapping.

    Each area says how to read its cookie (`_token`), how to resolve it (`_resolve`) and where
    sign-in lives (`_sign_in_page`)."""

    def _token(self) -> str | None:
        raise NotImplementedError

    def _resolve(self, db: Session, token: str | None) -> Principal:
        raise NotImplementedError

    def _sign_in_page(self) -> tuple[str, str]:
        """(this area's sign-in path, where to come back to when the page has no path)."""
        raise NotImplementedError

    def _sign_in_redirect(self, reason: str) -> rx.event.EventSpec:
        sign_in, home = self._sign_in_page()
        current = self.router.url.path or home
        if self.router.url.query:
            current = f"{current}?{self.router.url.query}"
        query = {"next": current}
        if reason in ("expired", "revoked"):
            query["reason"] = "expired"
        return rx.redirect(f"{sign_in}?{urlencode(query)}", replace=True)

    def _on_principal(self, principal: Principal) -> None:
        """Keep what the shell shows about who is signed in (name, role) current."""

    def _on_page_load(self, db: Session, principal: Principal) -> None:
        """What the shell reads once per page (not with every tap), e.g. notices for the account's area."""

    def _after_page_load(self) -> None:
        """Back on the event loop after a page load's work (e.g. live updates register the tab)."""

    async def _sign_out_through(self, route: str) -> rx.event.EventSpec:
        """Sign out: every substate of this tab goes back to its defaults, then a full page load
        POSTs to `route`, which revokes the session and clears the HttpOnly cookie (POST, so another
        site cannot sign anyone out with a link)."""
        await reset_tab(self)
        return rx.call_script(
            "const form = document.createElement('form');"
            f"form.method = 'post'; form.action = '{route}';"
            "document.body.appendChild(form); form.submit();"
        )

    def _translate(self, text: str) -> str:
        """A service's message for this tab's reader (subscriber states read it in their language)."""
        return str(text)

    def _show_problem(self, problem: Exception) -> None:
        """Field messages beside their fields (`errors[field]` or `err_<field>`); anything else as the
        page's one message (`refused` for a role's refusal, else `err_form`, `page_error`, `notice`
        or `errors["form"]`, whichever the state has). States that show problems otherwise override it."""
        fields = type(self).vars
        if isinstance(problem, FieldErrors):
            if "errors" in fields:
                self.errors = {f: self._translate(m) for f, m in problem.errors.items()}
                return
            placed = [f for f in problem.errors if f"err_{f}" in fields]
            for field in placed:
                setattr(self, f"err_{field}", self._translate(problem.errors[field]))
            if placed:
                return
        if isinstance(problem, Forbidden) and "refused" in fields:
            self.refused = self._translate(problem.message)
            return
        message = self._translate(problem.message) if isinstance(problem, PortalError) else str(problem)
        for name in ("err_form", "page_error", "notice"):
            if name in fields:
                setattr(self, name, message)
                return
        if "errors" in fields:
            self.errors = {"form": message}

    def _show_refusal(self, problem: RoleRefused) -> None:
        """A change the signed-in role may not make (subscriber pages say it above the page)."""
        self._show_problem(problem)

    def _principal(self) -> Principal | None:
        """Transitional: the principal in a session of its own (handlers move to `_signed_in`)."""
        try:
            with session_scope() as db:
                return self._resolve(db, self._token())
        except SessionInvalid:
            return None

    async def _signed_in(self, work: Work, *, page_load: bool = False, needs: str | None = None) -> Any:
        """Run `work(db, principal)` off the loop; returns what the handler should return.
        `page_load`: this is a page's one on_load (the shell's per-page reads happen too).
        `needs`: the role (access.FULL or BILLING) the work needs on the chosen account; else refused."""
        try:
            result = await asyncio.to_thread(_in_one_session, self, self._token(), work, page_load, needs)
            if page_load:
                self._after_page_load()
            return result
        except SessionInvalid as problem:
            await reset_tab(self)  # nothing of the ended sign-in stays in this tab
            return self._sign_in_redirect(problem.reason)
        except RoleRefused as problem:
            self._show_refusal(problem)
            return None
        except PortalError as problem:
            self._show_problem(problem)
            return None


def checks_session(handler: Callable[..., Any] | None = None, *, needs: str | None = None) -> Any:
    """Marks an async handler that runs all its work through `self._signed_in` (so a page may use
    it as its only on_load: it sends visitors without a live session to sign-in itself); `needs` records
    the role it passes to `_signed_in` (tests/unit/test_member_roles.py holds every handler to it)."""
    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.resolves_session = True  # type: ignore[attr-defined]
        fn.needs_role = needs  # type: ignore[attr-defined]
        return fn
    return mark(handler) if handler is not None else mark


def resolves_session(handler: object) -> bool:
    """Does this event handler check the session itself (see `checks_session`)?"""
    return bool(getattr(getattr(handler, "fn", handler), "resolves_session", False))


def signed_in_event(body: Callable[..., Any] | None = None, *, needs: str | None = None) -> Any:
    """`def handler(self, db, principal, *event_args)` → an async event handler that resolves the
    session once and runs the body off the loop (see the module docstring). Put it under `@rx.event`.
    A handler that changes the account says what role it needs: `@signed_in_event(needs=access.FULL)`
    (or BILLING); a subscriber with less is refused before the body runs."""
    if body is None:
        return functools.partial(signed_in_event, needs=needs)

    page_load = body.__name__ == "load"  # a page's on_load is its `load` (tests/unit/test_page_loads.py)

    @functools.wraps(body)
    async def run(self, *args: Any, **kwargs: Any) -> Any:
        return await self._signed_in(lambda db, principal: body(self, db, principal, *args, **kwargs),
                                     page_load=page_load, needs=needs)

    # Reflex reads the handler's signature and annotations to pass the event's arguments: only
    # those are shown (`__wrapped__` stays, so the annotations resolve in the body's module).
    params = list(inspect.signature(body).parameters.values())
    hidden = {p.name for p in params[1:3]}
    run.__signature__ = inspect.Signature([params[0], *params[3:]])  # type: ignore[attr-defined]
    run.__annotations__ = {k: v for k, v in body.__annotations__.items() if k not in hidden}
    run.resolves_session = True  # type: ignore[attr-defined]
    run.needs_role = needs  # type: ignore[attr-defined]
    return run
