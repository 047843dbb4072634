"""The office and the leads keep the alliance up to date in the browser: organisations, committees, groups with
their members and working plans, events and attendance; every bad input answered beside its field, nothing saved.
Also the same changes through the API and the CLI (the three doors must not lag)."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas import db as database
from skillatlas.alliance import service
from skillatlas.alliance.models import (
    Committee,
    Event,
    Group,
    GroupMembership,
    MembershipRole,
    Organisation,
    Registration,
    RegistrationStatus,
    WorkItemStatus,
    WorkPlanItem,
)
from skillatlas.alliance.schemas import EventUpdate, RegistrationCreate
from skillatlas.auth.models import OutboxMessage
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import app as cli_app
from tests.conftest import TODAY, create_user, login

GROUP = "hydrogen-vet-forum"
EVENT = "hydrogen-vet-forum-2027"


def error_beside(html: str, field: str) -> str:
    """The message shown beside the field (its `field-error` span), or "" when there is none."""
    match = re.search(rf'<span class="field-error" id="f-{field}-error">([^<]*)</span>', html)
    return match.group(1) if match else ""


def organisation(db: Session, slug: str) -> Organisation:
    db.expire_all()
    return db.scalar(select(Organisation).where(Organisation.slug == slug))  # type: ignore[return-value]


def group_of(db: Session, slug: str = GROUP) -> Group:
    db.expire_all()
    return db.scalar(select(Group).where(Group.slug == slug))  # type: ignore[return-value]


def as_lead(client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    create_user(sessions, "lead@example.org", {"role": "group_lead", "group": GROUP})
    return login(client, "lead@example.org")


# --- organisations ---------------------------------------------------------------------------------------


def test_office_edits_an_organisation(office_client: TestClient, demo: None, db: Session) -> None:
    form = office_client.get("/organisations/educam/edit")
    assert form.status_code == 200
    assert 'value="EDUCAM"' in form.text and re.search(
        r'<option value="BE"\s*selected>Belgium</option>', form.text
    )
    assert "education_training_provider" not in form.text.replace('value="education_training_provider"', "")
    saved = office_client.post(
        "/organisations/educam/edit",
        data={
            "name": "EDUCAM vzw",
            "type": "education_training_provider",
            "country": "BE",
            "nuts_region": "be10",
            "website": "https://educam.example",
            "description": "Training centre.",
            "is_member": "1",
            "joined_on": "2024-03-01",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/organisations/educam?saved=1"
    found = organisation(db, "educam")
    assert (found.name, found.nuts_region, found.website, found.joined_on) == (
        "EDUCAM vzw", "BE10", "https://educam.example", dt.date(2024, 3, 1),
    )  # fmt: skip
    assert found.slug == "educam"  # the address stays
    page = office_client.get("/organisations/educam?saved=1").text
    assert "The changes are saved" in page and "EDUCAM vzw" in page and "Edit the organisation" in page
    # emptied fields are cleared
    office_client.post(
        "/organisations/educam/edit",
        data={"name": "EDUCAM vzw", "type": "education_training_provider", "country": "BE", "is_member": "1"},
    )
    found = organisation(db, "educam")
    assert (found.nuts_region, found.website, found.description, found.joined_on) == (None, None, "", None)


def test_organisation_edit_errors_beside_each_field_and_nothing_saved(
    office_client: TestClient, demo: None, db: Session
) -> None:
    before = organisation(db, "educam")
    snapshot = (before.name, before.country, before.website, before.nuts_region)
    page = office_client.post(
        "/organisations/educam/edit",
        data={
            "name": "",
            "type": "industry",
            "country": "ZZ",
            "website": "ftp://educam.example",
            "nuts_region": "DE11",
            "is_member": "1",
        },
    )
    assert page.status_code == 422
    html = page.text
    assert error_beside(html, "name") == "This is required."
    assert "unknown country code" in error_beside(html, "country")
    assert "http:// or https://" in error_beside(html, "website")
    assert 'value="ftp://educam.example"' in html  # what was typed is kept
    taken = office_client.post(
        "/organisations/educam/edit", data={"name": "ACEA", "type": "industry", "country": "BE"}
    )
    assert taken.status_code == 409 and "exists already" in error_beside(taken.text, "name")
    wrong_region = office_client.post(
        "/organisations/educam/edit",
        data={"name": "EDUCAM", "type": "industry", "country": "BE", "nuts_region": "DE11"},
    )
    assert "is not in country BE" in error_beside(wrong_region.text, "nuts_region")
    after = organisation(db, "educam")
    assert (after.name, after.country, after.website, after.nuts_region, after.type.value) == (
        *snapshot, "education_training_provider",
    )  # fmt: skip


def test_a_manager_edits_their_own_organisation_but_not_its_membership(
    client: TestClient, sessions: sessionmaker[Session], demo: None, db: Session
) -> None:
    create_user(sessions, "m@example.org", {"role": "organisation_manager", "organisation": "educam"})
    login(client, "m@example.org")
    form = client.get("/organisations/educam/edit").text
    assert 'name="is_member"' not in form  # the office's to say
    saved = client.post(
        "/organisations/educam/edit",
        data={
            "name": "EDUCAM",
            "type": "education_training_provider",
            "country": "BE",
            "description": "New.",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    found = organisation(db, "educam")
    assert found.description == "New." and found.is_member is True
    assert client.get("/organisations/acea/edit").status_code == 403
    assert "Edit the organisation" not in client.get("/organisations/acea").text
    # through the API, the membership is refused by name
    refused = client.patch("/api/organisations/educam", json={"is_member": False})
    assert refused.status_code == 403 and refused.json()["field"] == "is_member"


# --- committees ------------------------------------------------------------------------------------------


def test_committee_lead_edits_priorities_one_a_line(
    client: TestClient, sessions: sessionmaker[Session], demo: None, db: Session
) -> None:
    create_user(sessions, "c@example.org", {"role": "committee_lead", "committee": "education"})
    login(client, "c@example.org")
    assert "Edit the committee" in client.get("/committees/education").text
    assert "Edit the committee" not in client.get("/committees/technology").text
    saved = client.post(
        "/committees/education/edit",
        data={
            "name": "Education",
            "description": "VET and HE.",
            "priorities": "Teachers\n\n Trainers \nTeachers",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    db.expire_all()
    found = db.scalar(select(Committee).where(Committee.slug == "education"))
    assert (
        found is not None
        and found.priorities == ["Teachers", "Trainers"]
        and found.description == "VET and HE."
    )
    blank = client.post("/committees/education/edit", data={"name": "", "priorities": "X"})
    assert blank.status_code == 422 and error_beside(blank.text, "name") == "This is required."
    db.expire_all()
    assert db.scalar(select(Committee.priorities).where(Committee.slug == "education")) == [
        "Teachers",
        "Trainers",
    ]
    assert client.post("/committees/technology/edit", data={"name": "Technology"}).status_code == 403


# --- groups ----------------------------------------------------------------------------------------------


def test_office_creates_a_group_and_then_manages_it(
    office_client: TestClient, demo: None, db: Session
) -> None:
    form = office_client.get("/groups/new?committee=education")
    assert form.status_code == 200 and 'value="education" checked' in form.text
    none = office_client.post("/groups", data={"name": "Battery Task Force", "kind": "task_force"})
    assert none.status_code == 422
    assert error_beside(none.text, "committees") == "Choose at least one committee."
    assert "Steered by the committees: Choose at least one committee." in none.text  # the summary, by label
    assert 'value="Battery Task Force"' in none.text
    assert db.scalar(select(func.count()).select_from(Group).where(Group.name == "Battery Task Force")) == 0
    created = office_client.post(
        "/groups",
        data={
            "name": "Battery Task Force",
            "kind": "task_force",
            "committees": ["technology", "education"],
            "activities": ["training", "job_role_definition"],
            "description": "Battery skills.",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/groups/battery-task-force/edit?saved=created"
    page = office_client.get(created.headers["location"]).text
    assert "now add its members and its working plan" in page
    group = group_of(db, "battery-task-force")
    assert {c.slug for c in group.committees} == {"technology", "education"}
    assert group.activities == ["training", "job_role_definition"]
    again = office_client.post(
        "/groups", data={"name": "battery task force", "kind": "task_force", "committees": "technology"}
    )
    assert again.status_code == 409 and "exists already" in error_beside(again.text, "name")
    renamed = office_client.post(
        "/groups/battery-task-force/edit",
        data={"name": "Battery Skills Task Force", "kind": "working_group", "committees": "technology"},
        follow_redirects=False,
    )
    assert renamed.status_code == 303
    group = group_of(db, "battery-task-force")
    assert group.name == "Battery Skills Task Force" and group.kind.value == "working_group"
    assert [c.slug for c in group.committees] == ["technology"] and group.activities == []


def test_group_lead_manages_members_but_cannot_move_the_group(
    client: TestClient, sessions: sessionmaker[Session], demo: None, db: Session
) -> None:
    as_lead(client, sessions)
    page = client.get(f"/groups/{GROUP}")
    assert "Manage the group" in page.text
    assert f'href="/events/new?group={GROUP}"' in page.text
    event_form = client.get(f"/events/new?group={GROUP}").text  # the group is chosen, and the only choice
    assert re.search(rf'<option value="{GROUP}"\s*selected>', event_form) and "No group" not in event_form
    manage = client.get(f"/groups/{GROUP}/edit").text
    # a committee only its lead or the office can add or take away is fixed for a group lead
    assert re.search(r'value="technology"\s+disabled', manage)
    moved = client.post(
        f"/groups/{GROUP}/edit",
        data={
            "name": "Hydrogen VET Forum",
            "kind": "working_group",
            "committees": ["education", "technology"],
        },
    )
    assert moved.status_code == 403
    assert [c.slug for c in group_of(db).committees] == ["education"]

    # add a member: choose nothing, an existing member, then a new one
    nothing = client.post(f"/groups/{GROUP}/members", data={"role": "member"})
    assert (
        nothing.status_code == 422 and error_beside(nothing.text, "organisation") == "Choose an organisation."
    )
    twice = client.post(f"/groups/{GROUP}/members", data={"organisation": "kit", "role": "member"})
    assert twice.status_code == 409 and "already in Hydrogen VET Forum" in error_beside(
        twice.text, "organisation"
    )
    added = client.post(
        f"/groups/{GROUP}/members", data={"organisation": "tu-graz", "role": "member"}, follow_redirects=False
    )
    assert added.status_code == 303
    assert client.post(f"/groups/{GROUP}/members/tu-graz/role", data={"role": "lead"}).status_code == 200
    db.expire_all()
    roles = {m.organisation.slug: m.role for m in group_of(db).memberships}
    assert roles["tu-graz"] == MembershipRole.LEAD
    assert client.post(f"/groups/{GROUP}/members/kit/remove", follow_redirects=False).status_code == 303
    db.expire_all()
    assert "kit" not in {m.organisation.slug for m in group_of(db).memberships}
    # another group is not theirs
    assert client.get("/groups/innovation-agent-task-force/edit").status_code == 403
    assert client.post("/groups/innovation-agent-task-force/members/asa/remove").status_code == 403


def test_working_plan_lines_are_added_and_edited_with_errors_beside_fields(
    client: TestClient, sessions: sessionmaker[Session], demo: None, db: Session
) -> None:
    as_lead(client, sessions)
    form = client.get(f"/groups/{GROUP}/work-plan/new").text
    assert re.search(
        r'<option value="kit"\s*>Karlsruhe Institute of Technology</option>', form
    )  # the members
    before = db.scalar(select(func.count()).select_from(WorkPlanItem))
    bad = client.post(
        f"/groups/{GROUP}/work-plan", data={"objective": "", "due_date": "31/12/2026", "status": "nearly"}
    )
    assert bad.status_code == 422
    assert error_beside(bad.text, "objective") == "This is required."
    assert error_beside(bad.text, "due_date") == "Enter a date like 2026-07-01."
    assert error_beside(bad.text, "status").startswith("Choose one of")
    assert 'value="31/12/2026"' in bad.text
    assert db.scalar(select(func.count()).select_from(WorkPlanItem)) == before
    added = client.post(
        f"/groups/{GROUP}/work-plan",
        data={
            "objective": "Hydrogen safety module",
            "deliverable": "Course outline",
            "owner": "kit",
            "due_date": "2026-05-01",
            "status": "in_progress",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"].endswith("#work-plan")
    item = db.scalar(select(WorkPlanItem).where(WorkPlanItem.objective == "Hydrogen safety module"))
    assert item is not None and item.owner is not None and item.owner.slug == "kit"
    assert item.due_date == dt.date(2026, 5, 1) and item.status == WorkItemStatus.IN_PROGRESS
    edit = client.get(f"/groups/{GROUP}/work-plan/{item.id}/edit").text
    assert 'value="2026-05-01"' in edit and re.search(r'<option value="kit"\s*selected>', edit)
    saved = client.post(
        f"/groups/{GROUP}/work-plan/{item.id}/edit",
        data={"objective": "Hydrogen safety module", "deliverable": "Course", "status": "done"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    db.expire_all()
    item = db.get(WorkPlanItem, item.id)
    assert item is not None
    assert (item.status, item.due_date, item.owner, item.deliverable) == (
        WorkItemStatus.DONE,
        None,
        None,
        "Course",
    )
    # a line of another group is not reached through this group's address
    other = service.get_group(db=db, slug="innovation-agent-task-force").work_items[0].id
    assert client.get(f"/groups/{GROUP}/work-plan/{other}/edit").status_code == 404


def test_group_lead_sees_overdue_lines_on_home_and_my_groups(
    client: TestClient, sessions: sessionmaker[Session], demo: None
) -> None:
    with database.unit_of_work(sessions) as db:
        group = service.get_group(db=db, slug=GROUP)
        line = group.work_items[0]
        line.due_date = TODAY - dt.timedelta(days=3)
        line.status = WorkItemStatus.IN_PROGRESS
        done = group.work_items[1]
        done.due_date = TODAY - dt.timedelta(days=3)
        done.status = WorkItemStatus.DONE
        objective, item_id = line.objective, line.id
    as_lead(client, sessions)
    home = client.get("/home").text
    assert f"Overdue in Hydrogen VET Forum: {objective[:40]}" in home
    assert f"/groups/{GROUP}/work-plan/{item_id}/edit" in home
    assert home.count("Overdue in") == 1  # a line that is done is not overdue
    assert 'href="/my/groups"' in home  # the menu
    mine = client.get("/my/groups").text
    assert "Hydrogen VET Forum" in mine and objective[:40] in mine and "Innovation Agent" not in mine
    create_user(sessions, "w@example.org", {"role": "worker"})
    login(client, "w@example.org")
    assert client.get("/my/groups").status_code == 403
    assert "Overdue in" not in client.get("/home").text


# --- events and attendance -------------------------------------------------------------------------------

EVENT_FORM = {
    "name": "Hydrogen VET Forum 2027",
    "starts_on": "2027-05-13",
    "ends_on": "2027-05-15",
    "mode": "on_site",
    "place": "Spa-Francorchamps",
    "country": "BE",
    "capacity": "20",
    "group": GROUP,
    "organisers": ["aco", "asa"],
}


def test_office_edits_an_event_with_errors_beside_fields(
    office_client: TestClient, demo: None, db: Session
) -> None:
    form = office_client.get(f"/events/{EVENT}/edit").text
    assert 'value="2027-05-13"' in form and 'value="aco" checked' in form
    bad = office_client.post(
        f"/events/{EVENT}/edit",
        data={**EVENT_FORM, "starts_on": "next May", "capacity": "many", "url": "www.example.org"},
    )
    assert bad.status_code == 422
    assert error_beside(bad.text, "starts_on") == "Enter a date like 2026-07-01."
    assert error_beside(bad.text, "capacity") == "Enter a whole number."
    assert "http:// or https://" in error_beside(bad.text, "url")
    assert 'value="next May"' in bad.text and 'value="www.example.org"' in bad.text
    backwards = office_client.post(f"/events/{EVENT}/edit", data={**EVENT_FORM, "ends_on": "2027-05-01"})
    assert error_beside(backwards.text, "ends_on") == "the end date is before the start date"
    no_place = office_client.post(f"/events/{EVENT}/edit", data={**EVENT_FORM, "place": ""})
    assert error_beside(no_place.text, "place") == "an event on site needs a place"
    saved = office_client.post(
        f"/events/{EVENT}/edit",
        data={
            **EVENT_FORM,
            "name": "Hydrogen VET Forum 2027 (Le Mans)",
            "place": "Le Mans",
            "country": "FR",
            "organisers": ["aco"],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/events/{EVENT}?saved=1"
    db.expire_all()
    event = db.scalar(select(Event).where(Event.slug == EVENT))
    assert event is not None
    assert (event.name, event.place, event.country) == ("Hydrogen VET Forum 2027 (Le Mans)", "Le Mans", "FR")
    assert [o.slug for o in event.organisers] == ["aco"]
    assert "Edit the event" in office_client.get(f"/events/{EVENT}").text


def test_capacity_cannot_go_below_the_places_taken_and_more_places_go_to_the_waitlist(
    office_client: TestClient, demo: None, sessions: sessionmaker[Session], db: Session
) -> None:
    with database.unit_of_work(sessions) as session:
        service.update_event(
            db=session, actor=SYSTEM, slug=EVENT,
            changes=EventUpdate(capacity=2),
        )  # fmt: skip
        for n in range(4):
            service.register(
                db=session, actor=SYSTEM, event_slug=EVENT, today=TODAY,
                data=RegistrationCreate(full_name=f"P{n}", email=f"p{n}@example.org"),
            )  # fmt: skip
    lower = office_client.post(f"/events/{EVENT}/edit", data={**EVENT_FORM, "capacity": "1"})
    assert lower.status_code == 409
    assert (
        error_beside(lower.text, "capacity")
        == "2 people hold a place already: the capacity cannot be less than that"
    )
    raised = office_client.post(
        f"/events/{EVENT}/edit", data={**EVENT_FORM, "capacity": "3"}, follow_redirects=False
    )
    assert raised.status_code == 303
    db.expire_all()
    statuses = dict(
        db.execute(
            select(Registration.person_id, Registration.status).join(Event).where(Event.slug == EVENT)
        ).all()
    )
    assert sorted(s.value for s in statuses.values()) == ["registered"] * 3 + ["waitlisted"]
    promoted = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "p2@example.org"))
    assert promoted is not None and promoted.template == "waitlist_promoted"


def test_registrations_page_registers_cancels_and_marks_attendance(
    client: TestClient, sessions: sessionmaker[Session], demo: None, db: Session
) -> None:
    as_lead(client, sessions)
    page = client.get(f"/events/{EVENT}")
    assert "Registrations and attendance" in page.text
    bad = client.post(f"/events/{EVENT}/registrations", data={"full_name": "", "email": "not an address"})
    assert bad.status_code == 422
    assert error_beside(bad.text, "full_name") == "This is required."
    assert error_beside(bad.text, "email") == "Enter an e-mail address like name@example.org."
    assert db.scalar(select(func.count()).select_from(Registration)) == 0
    for name in ("Ana", "Ben", "Cleo"):
        done = client.post(
            f"/events/{EVENT}/registrations",
            data={"full_name": name, "email": f"{name.lower()}@example.org"},
            follow_redirects=False,
        )
        assert done.status_code == 303
    twice = client.post(
        f"/events/{EVENT}/registrations", data={"full_name": "Ana", "email": "ana@example.org"}
    )
    assert twice.status_code == 409 and "already registered" in error_beside(twice.text, "email")
    people = dict(db.execute(select(Registration.person_id, Registration.id)).all())
    ana, ben, cleo = sorted(people)
    listing = client.get(f"/events/{EVENT}/registrations").text
    assert listing.count('name="attended"') == 3 and "3 with a place of 20" in listing
    # Cleo cancels through the office's button; Ana and Ben are ticked as attended
    assert (
        client.post(f"/events/{EVENT}/registrations/{cleo}/cancel", follow_redirects=False).status_code == 303
    )
    ticked = client.post(
        f"/events/{EVENT}/attendance", data={"attended": [str(ana), str(ben)]}, follow_redirects=False
    )
    assert ticked.status_code == 303
    assert "Attendance saved: 2 marked as attended" in client.get(ticked.headers["location"]).text
    db.expire_all()
    statuses = {r.person_id: r.status for r in db.scalars(select(Registration))}
    assert statuses == {
        ana: RegistrationStatus.ATTENDED, ben: RegistrationStatus.ATTENDED, cleo: RegistrationStatus.CANCELLED,
    }  # fmt: skip
    # a cancelled person cannot be ticked; nothing changes
    stray = client.post(f"/events/{EVENT}/attendance", data={"attended": [str(ana), str(cleo)]})
    assert stray.status_code == 409 and "Cleo has none" in error_beside(stray.text, "attended")
    assert "Who attended: only persons with a place can attend" in stray.text
    # un-ticking Ben undoes his attendance
    client.post(f"/events/{EVENT}/attendance", data={"attended": [str(ana)]})
    db.expire_all()
    assert {r.person_id: r.status for r in db.scalars(select(Registration))}[
        ben
    ] == RegistrationStatus.REGISTERED


def test_attendance_waits_on_the_leads_home_after_the_event(
    client: TestClient, sessions: sessionmaker[Session], demo: None
) -> None:
    with database.unit_of_work(sessions) as db:
        event = service.get_event(db=db, slug=EVENT)
        event.starts_on = event.ends_on = TODAY - dt.timedelta(days=2)
        service.register(
            db=db, actor=SYSTEM, event_slug=EVENT, today=event.starts_on,
            data=RegistrationCreate(full_name="Came", email="came@example.org"),
        )  # fmt: skip
    as_lead(client, sessions)
    home = client.get("/home").text
    assert "Mark who attended Hydrogen VET Forum 2027" in home and f"/events/{EVENT}/registrations" in home


# --- the API and the CLI ---------------------------------------------------------------------------------


def test_api_edits_the_same_things(office_client: TestClient, demo: None, db: Session) -> None:
    api = office_client
    changed = api.patch(
        "/api/organisations/educam", json={"website": "https://educam.be", "nuts_region": "BE10"}
    )
    assert changed.status_code == 200 and changed.json()["website"] == "https://educam.be"
    bad = api.patch("/api/organisations/educam", json={"nuts_region": "DE11"})
    assert bad.status_code == 422 and bad.json()["field"] == "nuts_region"
    committee = api.patch("/api/committees/education", json={"priorities": ["A", "B"]})
    assert committee.json()["priorities"] == ["A", "B"]
    group = api.patch(f"/api/groups/{GROUP}", json={"activities": ["training"], "kind": "task_force"})
    assert group.status_code == 200 and group.json()["activities"] == ["training"]
    lead = api.patch(f"/api/groups/{GROUP}/members/kit", json={"role": "lead"})
    assert {m["organisation"]: m["role"] for m in lead.json()["members"]}["kit"] == "lead"
    removed = api.delete(f"/api/groups/{GROUP}/members/kit")
    assert "kit" not in {m["organisation"] for m in removed.json()["members"]}
    assert api.delete(f"/api/groups/{GROUP}/members/kit").status_code == 404
    line = api.get(f"/api/groups/{GROUP}").json()["work_plan"][0]["id"]
    patched = api.patch(
        f"/api/work-plan/{line}", json={"owner": "aco", "due_date": "2026-10-01", "objective": "X"}
    )
    assert (patched.json()["owner"], patched.json()["objective"]) == ("aco", "X")
    cleared = api.patch(f"/api/work-plan/{line}", json={"owner": None, "due_date": None})
    assert (cleared.json()["owner"], cleared.json()["due_date"], cleared.json()["objective"]) == (
        None,
        None,
        "X",
    )
    event = api.patch(f"/api/events/{EVENT}", json={"capacity": 25, "place": "Le Mans"})
    assert (event.json()["capacity"], event.json()["place"]) == (25, "Le Mans")
    assert api.patch(f"/api/events/{EVENT}", json={"ends_on": "2020-01-01"}).json()["field"] == "ends_on"
    person = api.post(
        f"/api/events/{EVENT}/registrations", json={"full_name": "Dana", "email": "dana@example.org"}
    ).json()["person_id"]
    assert api.post(f"/api/events/{EVENT}/registrations/{person}/attended").json()["status"] == "attended"
    undone = api.delete(f"/api/events/{EVENT}/registrations/{person}/attended")
    assert undone.status_code == 200 and undone.json()["status"] == "registered"
    assert api.delete(f"/api/events/{EVENT}/registrations/{person}/attended").status_code == 409


def test_cli_edits_the_same_things(
    cli_env: dict[str, str], sessions: sessionmaker[Session], db: Session
) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli_app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    run("demo")
    run("alliance", "edit-organisation", "educam", "--website", "https://educam.be", "--nuts-region", "BE10")
    run("alliance", "edit-committee", "education", "--priority", "Teachers", "--priority", "Trainers")
    run(
        "alliance",
        "add-group",
        "--name",
        "Battery Task Force",
        "--kind",
        "task_force",
        "--committee",
        "technology",
    )
    run("alliance", "add-member", "battery-task-force", "kit", "--role", "lead")
    run("alliance", "add-member", "battery-task-force", "educam")
    run("alliance", "member-role", "battery-task-force", "educam", "lead")
    run("alliance", "remove-member", "battery-task-force", "kit")
    run(
        "alliance",
        "add-work-item",
        "battery-task-force",
        "--objective",
        "Cell chemistry course",
        "--due",
        "2026-12-01",
    )
    line = db.scalar(select(WorkPlanItem.id).where(WorkPlanItem.objective == "Cell chemistry course"))
    assert f"{line}" in run("alliance", "work-plan", "battery-task-force")
    run("alliance", "edit-work-item", str(line), "--status", "done", "--due", "")
    run("alliance", "edit-event", EVENT, "--capacity", "30", "--place", "Le Mans")
    run("alliance", "register", EVENT, "--name", "Eva", "--email", "eva@example.org")
    assert "eva@example.org: attended" in run("alliance", "attended", EVENT, "eva@example.org")
    assert "eva@example.org" in run("alliance", "registrations", EVENT)
    bad = runner.invoke(cli_app, ["alliance", "edit-organisation", "educam", "--country", "ZZ"])
    assert bad.exit_code == 2 and "unknown country code" in bad.output
    db.expire_all()
    assert organisation(db, "educam").website == "https://educam.be"
    assert db.scalar(select(Committee.priorities).where(Committee.slug == "education")) == [
        "Teachers",
        "Trainers",
    ]
    members = {
        m.organisation.slug: m.role
        for m in db.scalars(select(GroupMembership).join(Group).where(Group.slug == "battery-task-force"))
    }
    assert members == {"educam": MembershipRole.LEAD}
    item = db.get(WorkPlanItem, line)
    assert item is not None and item.status == WorkItemStatus.DONE and item.due_date is None
    event = db.scalar(select(Event).where(Event.slug == EVENT))
    assert event is not None and (event.capacity, event.place) == (30, "Le Mans")
