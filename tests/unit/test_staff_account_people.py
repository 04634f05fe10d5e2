"""Staff see who has access to an account (the people holding it, with role and since when, and the
invitations waiting) on its Portal tab, and can revoke a waiting invitation: its link stops working and the
account's history says which staff member did it. Another account's invitation is a not-found."""

from __future__ import annotations

import pytest
from factories import call, make_subscriber
from sqlmodel import Session, select
from test_access_states import _staff_cookie
from test_states import app_db, page_state  # noqa: F401  (app_db is a fixture)

from portal_app.models import AccountHistory, AccountMembership
from portal_app.services.core.access import BILLING, VIEW
from portal_app.services.core.errors import NotFound
from portal_app.services.core.principal import Principal
from portal_app.services.identity import memberships
from portal_app.services.staff import staff_accounts
from portal_app.state.staff_accounts import StaffAccountState

STAFF = Principal(kind="staff", display_name="Sam Staff", staff_user_id=1, staff_role="agent")


def _with_people(db: Session):
    holder = make_subscriber(db)
    member = make_subscriber(db).user
    db.add(AccountMembership(user_id=member.id, account_id=holder.account.id, role=BILLING,
                             added_by=f"invitation from {holder.user.username}"))
    memberships.invite(db, principal=holder.principal, email="cousin@mail.example", role=VIEW)
    db.commit()
    return holder, member


def test_staff_see_the_people_and_invitations_and_revoke_one(db: Session) -> None:
    holder, member = _with_people(db)
    number = holder.account.account_number
    people, waiting = staff_accounts.people_with_access(db, principal=STAFF, account_number=number)
    assert [(p.username, p.email, p.role) for p in people] == [
        (holder.user.username, holder.user.email, "Full access"), (member.username, member.email, "Billing only")]
    assert people[1].added_by == f"invitation from {holder.user.username}" and people[1].since
    [invitation] = waiting
    assert (invitation.email, invitation.role) == ("cousin@mail.example", "View only") and invitation.expires

    other, _ = _with_people(db)
    [theirs] = staff_accounts.people_with_access(db, principal=STAFF, account_number=other.account.account_number)[1]
    with pytest.raises(NotFound):  # another account's invitation, through this account's page
        staff_accounts.revoke_invitation(db, principal=STAFF, account_number=number, invitation_id=theirs.id)
    assert staff_accounts.revoke_invitation(db, principal=STAFF, account_number=number,
                                            invitation_id=invitation.id) == "cousin@mail.example"
    db.commit()
    assert staff_accounts.people_with_access(db, principal=STAFF, account_number=number)[1] == []
    assert memberships.pending_invitations(db, principal=holder.principal) == []
    entry = db.exec(select(AccountHistory).where(AccountHistory.action == "invitation_revoked")).one()
    assert entry.account_id == holder.account.id and "revoked by Sam Staff (staff)" in entry.summary
    with pytest.raises(NotFound):  # revoked once
        staff_accounts.revoke_invitation(db, principal=STAFF, account_number=number, invitation_id=invitation.id)


def test_the_portal_tab_lists_people_and_revoke_answers_over_the_list(app_db: str, db: Session) -> None:
    holder, member = _with_people(db)
    state = page_state(StaffAccountState, f"/staff/account?number={holder.account.account_number}",
                       cookie=_staff_cookie(db))
    call(StaffAccountState.load, state)
    assert [(p["username"], p["role"]) for p in state.people] == [(holder.user.username, "Full access"),
                                                                   (member.username, "Billing only")]
    [invitation] = state.invitations
    call(StaffAccountState.revoke_invitation, state, "not-a-number")  # as a modified client might send
    assert state.notice == "That invitation is no longer waiting." and len(state.invitations) == 1
    call(StaffAccountState.revoke_invitation, state, invitation["id"])
    assert state.notice == "The invitation to cousin@mail.example is revoked; its link no longer works."
    assert state.invitations == []
    assert state.history[0]["summary"].startswith("Invitation of c•••@m•••.example (View only) revoked by Sam Agent")
