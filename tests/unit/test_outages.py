"""Outage notices: posted for some areas, they reach (banner and messages) exactly the subscribers there;
updates and "restored" follow them; the status page lists them without sign-in."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import call, make_subscriber
from sqlmodel import Session, select
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

from portal_app.models import Notification, OutageNotice, OutboxMail, ServiceArea, StaffAuditEntry
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.principal import Principal
from portal_app.services.notify import outages

ADMIN = Principal(kind="staff", display_name="Jordan Rivera", staff_user_id=1, staff_role="admin")


def _areas(db: Session) -> tuple[ServiceArea, ServiceArea]:
    north, south = ServiceArea(name="North"), ServiceArea(name="South")
    db.add_all([north, south])
    db.flush()
    return north, south


def _post(db: Session, *areas: ServiceArea, all_areas: bool = False, **changes) -> OutageNotice:
    fields = {"kind": "outage", "title": "Fiber cut on Main St", "details": "A crew cut a cable.",
              "starts_at": "2026-06-02T14:10", "expected_end": "2026-06-02T18:00"} | changes
    notice, _ = outages.post_notice(db, principal=ADMIN, area_ids=[str(a.id) for a in areas], all_areas=all_areas,
                                    **fields)
    db.commit()
    return notice


def _told(db: Session, account_id: int) -> list[str]:
    return [n.dedupe_key for n in db.exec(select(Notification).where(Notification.account_id == account_id)
                                          .order_by(Notification.id))]


def test_a_notice_reaches_its_areas_and_nobody_else(db: Session) -> None:
    north, south = _areas(db)
    inside, outside = make_subscriber(db, service_area_id=north.id), make_subscriber(db, service_area_id=south.id)
    nowhere = make_subscriber(db)
    db.commit()
    notice = _post(db, north)
    assert _told(db, inside.account.id) == [f"outage:{notice.id}:posted"]
    assert _told(db, outside.account.id) == [] and _told(db, nowhere.account.id) == []
    mail = db.exec(select(OutboxMail)).one()
    assert mail.subject == "Lumen Fiber: service problem: Fiber cut on Main St"
    assert "Since: Tue, Jun 2, 2:10 PM CDT" in mail.body_text and "Expected back: Tue, Jun 2, 6:00 PM CDT" in mail.body_text
    [banner] = outages.banners(db, account_id=inside.account.id)
    assert banner.heading == "Service problem in your area: Fiber cut on Main St"
    assert banner.when == "Since Tue, Jun 2, 2:10 PM CDT · expected back Tue, Jun 2, 6:00 PM CDT"
    assert outages.banners(db, account_id=outside.account.id) == []
    assert outages.banners(db, account_id=nowhere.account.id) == []
    audit = db.exec(select(StaffAuditEntry).where(StaffAuditEntry.action == "outage.post")).one()
    assert audit.detail.endswith("messages: 1")


def test_updates_and_restored_follow_the_notice_once(db: Session) -> None:
    north, south = _areas(db)
    inside, outside = make_subscriber(db, service_area_id=north.id), make_subscriber(db, service_area_id=south.id)
    db.commit()
    notice = _post(db, north)
    update, sent = outages.add_update(db, principal=ADMIN, notice_id=notice.id, message="Crews are splicing now.",
                                      expected_end="2026-06-02T20:00")
    db.commit()
    assert sent == 1
    [banner] = outages.banners(db, account_id=inside.account.id)
    assert banner.latest == "Crews are splicing now." and banner.when.endswith("8:00 PM CDT")
    assert outages.restore(db, principal=ADMIN, notice_id=notice.id) == 1
    db.commit()
    assert outages.restore(db, principal=ADMIN, notice_id=notice.id) == 0  # a second click tells nobody again
    db.commit()
    assert _told(db, inside.account.id) == [f"outage:{notice.id}:posted", f"outage:{notice.id}:update:{update.id}",
                                            f"outage:{notice.id}:restored"]
    assert _told(db, outside.account.id) == []
    assert outages.banners(db, account_id=inside.account.id) == []
    restored = db.exec(select(OutboxMail).order_by(OutboxMail.id.desc())).first()
    assert restored.subject == "Lumen Fiber: service is back: Fiber cut on Main St"
    with pytest.raises(Exception, match="closed"):
        outages.add_update(db, principal=ADMIN, notice_id=notice.id, message="Too late")


def test_a_notice_for_all_areas_reaches_everyone_active(db: Session) -> None:
    north, _ = _areas(db)
    somewhere, nowhere = make_subscriber(db, service_area_id=north.id), make_subscriber(db)
    closed = make_subscriber(db, service_area_id=north.id, status="closed")
    db.commit()
    notice = _post(db, all_areas=True, kind="maintenance", title="Core router upgrade",
                   starts_at="2030-01-05T01:00", expected_end="2030-01-05T03:00")
    for sub in (somewhere, nowhere):
        [banner] = outages.banners(db, account_id=sub.account.id)
        assert banner.heading == "Planned maintenance for all customers: Core router upgrade"
        assert banner.when.startswith("Starts Sat, Jan 5, 1:00 AM CST")
    assert _told(db, closed.account.id) == []
    [public] = outages.public_notices(db)
    assert (public.id, public.areas, public.started) == (notice.id, "All areas", False)


def test_a_notice_needs_a_title_a_place_and_a_sensible_end(db: Session) -> None:
    north, _ = _areas(db)
    with pytest.raises(FieldErrors) as refused:
        outages.post_notice(db, principal=ADMIN, kind="storm", title="x", details="", starts_at="soon",
                            expected_end="", area_ids=[], all_areas=False)
    assert set(refused.value.errors) == {"kind", "title", "starts_at", "areas"}
    with pytest.raises(FieldErrors) as refused:
        outages.post_notice(db, principal=ADMIN, kind="outage", title="Fiber cut", details="",
                            starts_at="2026-06-02T14:10", expected_end="2026-06-02T13:00", area_ids=[str(north.id)],
                            all_areas=False)
    assert set(refused.value.errors) == {"expected_end"}
    assert db.exec(select(OutageNotice)).all() == []


def test_the_status_page_shows_open_and_just_restored_notices(db: Session) -> None:
    north, _ = _areas(db)
    db.commit()
    old = _post(db, north, title="Old cut")
    outages.restore(db, principal=ADMIN, notice_id=old.id, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=5))
    recent = _post(db, north, title="Recent cut")
    outages.restore(db, principal=ADMIN, notice_id=recent.id)
    current = _post(db, north, title="Current cut")
    db.commit()
    shown = outages.public_notices(db)
    assert [(n.title, n.status) for n in shown] == [("Current cut", "open"), ("Recent cut", "restored")]


def test_every_signed_in_page_carries_the_banner_of_the_subscribers_area(app_db: str, db: Session) -> None:  # noqa: F811
    from portal_app.state.notifications import NotificationsState
    from portal_app.state.statements import InvoicesState

    north, south = _areas(db)
    inside, outside = make_subscriber(db, service_area_id=north.id), make_subscriber(db, service_area_id=south.id)
    db.commit()
    _post(db, north)
    for state_cls, route in ((NotificationsState, "/notifications"), (InvoicesState, "/invoices")):
        mine = page_state(state_cls, route, cookie=signed_in_cookie(db, inside))
        call(state_cls.load, mine)
        assert [b["heading"] for b in mine.outage_banners] == ["Service problem in your area: Fiber cut on Main St"]
        theirs = page_state(state_cls, route, cookie=signed_in_cookie(db, outside))
        call(state_cls.load, theirs)
        assert theirs.outage_banners == []


def test_the_staff_outages_page_posts_updates_and_restores_for_admins_only(app_db: str, db: Session) -> None:  # noqa: F811
    import sqlalchemy as sa
    from test_access_states import _staff_cookie

    from portal_app.models import StaffUser
    from portal_app.state.outages import StaffAccountNotificationsState, StaffOutagesState

    north, _ = _areas(db)
    inside = make_subscriber(db, service_area_id=north.id)
    db.commit()
    cookie = _staff_cookie(db)  # an agent first
    agent = page_state(StaffOutagesState, "/staff/outages", cookie=cookie)
    call(StaffOutagesState.load, agent)
    assert agent.refused == "Only an admin can do that." and agent.notices == []
    log_page = page_state(StaffAccountNotificationsState, f"/staff/notifications?number={inside.account.account_number}",
                          cookie=cookie)
    call(StaffAccountNotificationsState.load, log_page)  # agents read an account's notifications
    assert log_page.found and log_page.sent == [] and log_page.choices[0]["label"] == "New bill"

    db.execute(sa.update(StaffUser).where(StaffUser.username == "agent").values(role="admin"))
    db.commit()
    page = page_state(StaffOutagesState, "/staff/outages", cookie=cookie)
    call(StaffOutagesState.load, page)
    assert page.refused == "" and [a["name"] for a in page.areas] == ["North", "South"]
    form = {"kind": "outage", "title": "Fiber cut", "details": "", "starts_at": "2026-06-02T14:10",
            "expected_end": "", f"area_{north.id}": "on"}
    call(StaffOutagesState.post, page, form | {"title": "x"})
    assert set(page.errors) == {"title"} and db.exec(select(OutageNotice)).all() == []
    call(StaffOutagesState.post, page, form)
    assert page.errors == {} and page.notice == "Posted “Fiber cut”. 1 message is on their way."
    [notice] = page.notices
    call(StaffOutagesState.add_update, page, {"notice_id": notice["id"], "update": "x"})
    assert page.update_error_for == notice["id"] and "update" in page.errors
    call(StaffOutagesState.add_update, page, {"notice_id": notice["id"], "update": "Crews on site."})
    assert page.update_error_for == "" and page.notices[0]["latest"] == "Crews on site."
    call(StaffOutagesState.restore, page, "999999")  # as a modified client might send
    assert page.notice == "That notice could not be found."
    call(StaffOutagesState.restore, page, notice["id"])
    assert page.notices[0]["status"] == "restored" and page.notice.startswith("Marked restored")
    call(StaffAccountNotificationsState.load, log_page)
    assert [row["event"] for row in log_page.sent] == ["Outages and maintenance"] * 3
