"""Micro-credentials in the browser: achievements defined and edited, one credential issued to a person found by
name, bulk issuing from an event's attendance and a course's completions, the event's badge awarded when
attendance is marked, revoking and suspending from the credential's page, and a learner's own credentials.
The same actions through the API and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Event
from skillatlas.alliance.schemas import EventCreate
from skillatlas.auth.models import AuditEntry
from skillatlas.auth.permissions import SYSTEM, Principal
from skillatlas.config import Settings
from skillatlas.credentials import service
from skillatlas.credentials.models import Achievement, IssuedCredential, StatusList
from skillatlas.credentials.schemas import AchievementCreate, IssueRequest
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from skillatlas.people.models import Person
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import NOW, TODAY, create_user, login
from tests.credentials.conftest import achievement_values
from tests.learning.conftest import BMS, FIXTURE, FLUIDS, PROVIDER, ROLE, Catalogue, catalogue  # noqa: F401

EVENT_DAY = TODAY + dt.timedelta(days=30)


# --- the world: the ASA issues, three learners, an event, skills from the small ESCO fixture -------------


@pytest.fixture
def app_issuing(settings: Settings):  # type: ignore[no-untyped-def]
    """What the app signs with (its data directory's key-encryption key): credentials made here match it."""
    return issuing_for(settings)


@pytest.fixture
def skills(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def _event(sessions: sessionmaker[Session], name: str = "Battery day") -> str:
    with unit_of_work(sessions) as db:
        event = alliance_service.create_event(
            db=db,
            actor=SYSTEM,
            data=EventCreate(name=name, starts_on=EVENT_DAY, ends_on=EVENT_DAY, mode="online"),  # type: ignore[arg-type]
        )
        return event.slug


def _register(sessions: sessionmaker[Session], slug: str, *person_ids: int) -> None:
    with unit_of_work(sessions) as db:
        for person_id in person_ids:
            alliance_service.register(
                db=db,
                actor=Principal(user_id=-1, person_id=person_id, via="session"),
                event_slug=slug,
                today=TODAY,
            )


def _mark_attended(sessions: sessionmaker[Session], slug: str, *person_ids: int) -> None:
    with unit_of_work(sessions) as db:
        for person_id in person_ids:
            alliance_service.mark_attended(db=db, actor=SYSTEM, event_slug=slug, person_id=person_id)


def _achievement(sessions: sessionmaker[Session], **changes: object) -> str:
    with unit_of_work(sessions) as db:
        data = AchievementCreate.model_validate(achievement_values(skills=[], **changes))
        return service.create_achievement(db=db, actor=SYSTEM, data=data).slug


def _issue(sessions: sessionmaker[Session], issuing: service.Issuing, slug: str, person_id: int) -> str:
    with unit_of_work(sessions) as db:
        data = IssueRequest(achievement=slug, learner=person_id)
        return service.issue(db=db, actor=SYSTEM, data=data, issuing=issuing, now=NOW).uuid


def _held(sessions: sessionmaker[Session], person_id: int | None = None) -> list[tuple[int, str]]:
    with unit_of_work(sessions) as db:
        statement = select(IssuedCredential.person_id, Achievement.slug).join(Achievement)
        if person_id is not None:
            statement = statement.where(IssuedCredential.person_id == person_id)
        return sorted((p, a) for p, a in db.execute(statement))


def _form(**changes: object) -> dict[str, object]:
    """The achievement form as a browser posts it."""
    values: dict[str, object] = {
        "name": "Battery safety basics",
        "issuer": "asa",
        "description": "Works safely on high-voltage batteries.",
        "criteria": "Attend the day and pass the practical test.",
        "learning_outcomes": "Isolates a traction battery\nChecks battery fluids",
        "skills.uri": [FLUIDS, BMS],
        "eqf_level": "4",
        "hours": "8",
        "ects": "0.5",
        "assessment_type": "practical_demonstration",
        "participation_form": "on_site",
        "quality_assurance": "ASA Education and Training committee",
        "language": "en",
        "valid_for_days": "",
        "awarded_for_ref": "",
    }
    values.update(changes)
    return values


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'<span class="field-error" id="f-{re.escape(name)}-error">([^<]*)</span>', html)
    assert found, f"no message beside {name}"
    return found.group(1)


# --- achievements ------------------------------------------------------------------------------------


def test_the_office_defines_and_edits_an_achievement_in_the_browser(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int], skills: None
) -> None:
    event = _event(sessions)
    form = office_client.get("/achievements/new")
    assert form.status_code == 200
    assert 'data-name="skills"' in form.text and 'data-with-level="false"' in form.text
    assert '<option value="asa"' in form.text and f'<option value="{event}"' in form.text
    created = office_client.post("/achievements", data=_form(awarded_for_ref=event), follow_redirects=False)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/achievements/battery-safety-basics"
    with unit_of_work(sessions) as db:
        saved = service.get_achievement(db=db, ref="battery-safety-basics")
        assert saved.learning_outcomes == ["Isolates a traction battery", "Checks battery fluids"]
        assert [s["label"] for s in saved.skills] == ["battery fluids", "battery management systems"]
        assert (saved.eqf_level, saved.hours, saved.ects, saved.issuer.slug) == (4, 8, 0.5, "asa")
        assert saved.awarded_for.value == "event" and saved.awarded_for_ref == event
        assert db.scalar(select(Event.achievement_id).where(Event.slug == event)) == saved.id
    page = office_client.get("/achievements/battery-safety-basics")
    assert "battery management systems" in page.text and "Battery day" in page.text
    assert "http://data.europa.eu" not in page.text  # skills by their labels, never by URI

    edit = office_client.get("/achievements/battery-safety-basics/edit")
    assert edit.status_code == 200
    assert "Isolates a traction battery\nChecks battery fluids</textarea>" in edit.text
    assert '<span class="skill-label">battery fluids</span>' in edit.text
    assert f'<option value="{event}" selected' in edit.text
    changed = office_client.post(
        "/achievements/battery-safety-basics/edit",
        data=_form(name="Battery safety", **{"skills.uri": [BMS], "eqf_level": "5"}),
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    with unit_of_work(sessions) as db:
        saved = service.get_achievement(db=db, ref="battery-safety-basics")  # the address stays
        assert (saved.name, saved.eqf_level) == ("Battery safety", 5)
        assert [s["label"] for s in saved.skills] == ["battery management systems"]
        assert saved.awarded_for.value == "other"
        assert db.scalar(select(Event.achievement_id).where(Event.slug == event)) is None  # unlinked


def test_bad_achievement_input_is_named_beside_each_field_and_nothing_is_saved(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int], skills: None
) -> None:
    bad = office_client.post(
        "/achievements",
        data=_form(name="", hours="-3", eqf_level="9", learning_outcomes="  ", ects="lots"),
    )
    assert bad.status_code == 422
    assert _field_error(bad.text, "name") == "This is required."
    assert _field_error(bad.text, "hours") == "Enter a number more than 0."
    assert _field_error(bad.text, "ects") == "Enter a number."
    assert _field_error(bad.text, "eqf_level") == "Enter a number at most 8."
    assert _field_error(bad.text, "learning_outcomes") == "Write at least one learning outcome, one per line."
    # what was typed is kept, the chosen skills too, and no parser words reach the page
    assert "Works safely on high-voltage batteries." in bad.text
    assert '<span class="skill-label">battery fluids</span>' in bad.text
    assert "pydantic" not in bad.text.lower() and "Traceback" not in bad.text
    unknown = office_client.post(
        "/achievements", data=_form(**{"skills.uri": ["http://data.europa.eu/esco/skill/nope"]})
    )
    assert unknown.status_code == 422
    assert (
        _field_error(unknown.text, "skills")
        == "Choose the skills from the list: one of them is not in the taxonomy."
    )
    clash = _achievement(sessions, name="Battery safety basics")
    taken = office_client.post("/achievements", data=_form())
    assert taken.status_code == 409 and "exists already" in _field_error(taken.text, "name")
    with unit_of_work(sessions) as db:
        assert list(db.scalars(select(Achievement.slug))) == [clash]


def test_a_manager_defines_achievements_for_their_own_organisation_only(
    client: TestClient, sessions: sessionmaker[Session], world: dict[str, int], skills: None
) -> None:
    create_user(sessions, "boss@acme.example", {"role": "organisation_manager", "organisation": "acme"})
    login(client, "boss@acme.example")
    form = client.get("/achievements/new")
    assert '<option value="acme"' in form.text and '<option value="asa"' not in form.text
    refused = client.post("/achievements", data=_form(issuer="asa"), follow_redirects=False)
    assert refused.status_code == 403
    made = client.post("/achievements", data=_form(issuer="acme"), follow_redirects=False)
    assert made.status_code == 303
    asa_badge = _achievement(sessions, name="ASA badge")
    assert client.get(f"/achievements/{asa_badge}/edit").status_code == 403
    assert client.post(f"/achievements/{asa_badge}/edit", data=_form(issuer="asa")).status_code == 403
    with unit_of_work(sessions) as db:
        assert sorted(db.scalars(select(Achievement.slug))) == ["asa-badge", "battery-safety-basics"]


# --- issuing one credential ------------------------------------------------------------------------------


def test_issuing_one_credential_finds_the_person_by_name_previews_and_signs(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    slug = _achievement(sessions)
    form = office_client.get("/credentials/issue")
    assert form.status_code == 200 and f'<option value="{slug}"' in form.text
    found = office_client.get(f"/credentials/issue/recipients?achievement={slug}&q=popes")
    assert "Ana Popescu · ana@example.org" in found.text and 'name="person"' in found.text
    assert "Jonas" not in found.text
    by_mail = office_client.get(f"/credentials/issue/recipients?achievement={slug}&q=JONAS@EXAMPLE")
    assert "Jonas Weber" in by_mail.text
    short = office_client.get(f"/credentials/issue/recipients?achievement={slug}&q=a")
    assert "Type at least 2 letters" in short.text
    nobody = office_client.get(f"/credentials/issue/recipients?achievement={slug}&q=zzz")
    assert "Nobody matches" in nobody.text

    preview = office_client.post(
        "/credentials/issue/preview", data={"achievement": slug, "person": world["p0"], "q": "popes"}
    )
    assert preview.status_code == 200
    assert "to be awarded to <strong>Ana Popescu</strong>" in preview.text
    assert _held(sessions) == []  # a preview signs nothing
    issued = office_client.post(
        "/credentials/issue",
        data={"achievement": slug, "person": world["p0"], "q": "popes"},
        follow_redirects=False,
    )
    assert issued.status_code == 303
    uuid = issued.headers["location"].removeprefix("/credentials/").removesuffix("?issued=1")
    assert _held(sessions) == [(world["p0"], slug)]
    shown = office_client.get(issued.headers["location"])
    assert "The credential is issued and signed" in shown.text and "Ana Popescu" in shown.text
    again = office_client.post(
        "/credentials/issue/preview", data={"achievement": slug, "person": world["p0"], "q": "popes"}
    )
    assert "holds this achievement already" in again.text
    report = office_client.get(f"/verify?credential={uuid}")
    assert "Valid credential" in report.text


def test_issuing_without_choosing_names_each_missing_field_and_issues_nothing(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    slug = _achievement(sessions)
    nothing = office_client.post("/credentials/issue/preview", data={"q": "ana"})
    assert nothing.status_code == 422
    assert _field_error(nothing.text, "achievement") == "Choose the achievement."
    assert _field_error(nothing.text, "person").startswith("Type a name or e-mail address, then choose")
    typed_only = office_client.post("/credentials/issue", data={"achievement": slug, "q": "ana"})
    assert typed_only.status_code == 422
    # the people matching what was typed are listed again to choose from
    assert "Ana Popescu" in typed_only.text and 'name="person"' in typed_only.text
    unknown = office_client.post("/credentials/issue", data={"achievement": slug, "person": "999999"})
    assert unknown.status_code == 404 and "search again" in _field_error(unknown.text, "person")
    assert _held(sessions) == []


def test_a_manager_finds_their_own_staff_or_a_person_by_exact_address(
    client: TestClient, sessions: sessionmaker[Session], world: dict[str, int], app_issuing: service.Issuing
) -> None:
    with unit_of_work(sessions) as db:
        db.get(Person, world["p0"]).employer_id = world["asa"]  # type: ignore[union-attr]
        db.get(Person, world["p1"]).employer_id = world["acme"]  # type: ignore[union-attr]
    slug = _achievement(sessions)
    create_user(sessions, "boss@asa.example", {"role": "organisation_manager", "organisation": "asa"})
    login(client, "boss@asa.example")
    assert "Ana Popescu" in client.get(f"/credentials/issue/recipients?achievement={slug}&q=ana").text
    assert "Jonas" not in client.get(f"/credentials/issue/recipients?achievement={slug}&q=jonas").text
    exact = client.get(f"/credentials/issue/recipients?achievement={slug}&q=jonas@example.org")
    assert "Jonas Weber" in exact.text
    # a person outside the manager's reach cannot be issued to by guessing their id
    guessed = client.post(
        "/credentials/issue", data={"achievement": slug, "person": world["p1"], "q": "jonas"}
    )
    assert guessed.status_code == 404
    typed = client.post(
        "/credentials/issue",
        data={"achievement": slug, "person": world["p1"], "q": "jonas@example.org"},
        follow_redirects=False,
    )
    assert typed.status_code == 303
    api = client.get(f"/api/credentials/recipients?achievement={slug}&q=ana").json()
    assert [(r["full_name"], r["employer"]) for r in api] == [("Ana Popescu", "Automotive Skills Alliance")]
    # a worker may not search for people at all
    create_user(sessions, "worker@asa.example", {"role": "worker"})
    login(client, "worker@asa.example")
    assert client.get(f"/credentials/issue/recipients?achievement={slug}&q=ana").status_code == 403
    assert client.get(f"/api/credentials/recipients?achievement={slug}&q=ana").status_code == 403


# --- bulk: an event's attendance, a course's completions ---------------------------------------------------


def test_bulk_issue_to_an_event_s_attendees_skips_holders_and_counts(
    office_client: TestClient,
    sessions: sessionmaker[Session],
    world: dict[str, int],
    app_issuing: service.Issuing,
) -> None:
    slug = _achievement(sessions)
    event = _event(sessions)
    _register(sessions, event, world["p0"], world["p1"], world["p2"])
    _mark_attended(sessions, event, world["p0"], world["p1"])  # p2 registered but did not attend
    _issue(sessions, app_issuing, slug, world["p1"])  # p1 holds it already
    page = office_client.get("/credentials/issue-bulk")
    assert "Battery day" in page.text and "2 attended" in page.text

    preview = office_client.post(
        "/credentials/issue-bulk/preview", data={"source": "event", "event": event, "achievement": slug}
    )
    assert preview.status_code == 200
    assert re.search(r'id="to-issue">1<', preview.text) and re.search(r'id="skipped-count">1<', preview.text)
    assert (
        "Ana Popescu" in preview.text and "Jonas Weber" in preview.text and "holds it already" in preview.text
    )
    assert "Élodie" not in preview.text
    assert _held(sessions) == [(world["p1"], slug)]  # nothing signed by the preview

    done = office_client.post(
        "/credentials/issue-bulk", data={"source": "event", "event": event, "achievement": slug}
    )
    assert done.status_code == 201
    assert re.search(r'id="issued-count">1<', done.text) and re.search(r'id="skipped-count">1<', done.text)
    assert _held(sessions) == sorted([(world["p0"], slug), (world["p1"], slug)])
    with unit_of_work(sessions) as db:
        audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "credentials.issue_bulk")).one()
        assert audit.details["count"] == 1 and audit.details["skipped"] == 1
    # The API does the same (and now skips both).
    api = office_client.post("/api/credentials/issue-event", json={"event": event, "achievement": slug})
    assert api.status_code == 201 and api.json()["count"] == 0
    assert sorted(s["name"] for s in api.json()["skipped"]) == ["Ana Popescu", "Jonas Weber"]


def test_bulk_issue_is_all_or_none_and_names_what_is_missing(
    office_client: TestClient,
    sessions: sessionmaker[Session],
    world: dict[str, int],
    app_issuing: service.Issuing,
) -> None:
    slug = _achievement(sessions)
    event = _event(sessions)
    _register(sessions, event, world["p0"], world["p1"])
    _mark_attended(sessions, event, world["p0"], world["p1"])
    _issue(sessions, app_issuing, slug, world["p2"])  # the issuer's status list exists
    with unit_of_work(sessions) as db:  # room for one more credential only
        status_list = db.scalars(select(StatusList)).one()
        status_list.next_sequence = status_list.bits - 1
    full = office_client.post(
        "/credentials/issue-bulk", data={"source": "event", "event": event, "achievement": slug}
    )
    assert full.status_code == 409 and "status list is full" in full.text
    assert _held(sessions) == [(world["p2"], slug)]  # neither attendee got one
    no_event = office_client.post(
        "/credentials/issue-bulk/preview", data={"source": "event", "achievement": slug}
    )
    assert no_event.status_code == 422 and _field_error(no_event.text, "event") == "Choose the event."
    # the event awards no badge of its own, so leaving the achievement out is refused beside that field
    no_badge = office_client.post("/credentials/issue-bulk/preview", data={"source": "event", "event": event})
    assert no_badge.status_code == 422 and "awards no badge" in _field_error(no_badge.text, "achievement")
    no_course = office_client.post("/credentials/issue-bulk/preview", data={"source": "course"})
    assert _field_error(no_course.text, "course") == "Choose the course."
    assert _field_error(no_course.text, "course_achievement") == "Choose the achievement."


def test_bulk_issue_to_a_course_s_graduates(
    client: TestClient,
    sessions: sessionmaker[Session],
    catalogue: Catalogue,  # noqa: F811
) -> None:
    from skillatlas.learning import plans
    from skillatlas.learning.schemas import OutcomeIn, PlanIn

    basics = catalogue.course_ids["BAT-101"]
    with unit_of_work(sessions) as db:
        plan = plans.create_plan(
            db=db,
            actor=SYSTEM,
            data=PlanIn(
                person_id=catalogue.worker_person, role=ROLE, courses=[basics, catalogue.course_ids["SW-101"]]
            ),
        )
        plans.propose(db=db, actor=SYSTEM, plan_id=plan.id)
        plans.agree(db=db, actor=SYSTEM, plan_id=plan.id, side="worker")
        plans.agree(db=db, actor=SYSTEM, plan_id=plan.id, side="employer")
        plans.start(db=db, actor=SYSTEM, plan_id=plan.id)
        plans.record_outcome(
            db=db, actor=SYSTEM, plan_id=plan.id, data=OutcomeIn(course_id=basics, outcome="passed")
        )
        plans.record_outcome(
            db=db,
            actor=SYSTEM,
            plan_id=plan.id,
            data=OutcomeIn(course_id=catalogue.course_ids["SW-101"], outcome="failed"),
        )
    slug = _achievement(sessions, issuer=PROVIDER, name="Battery basics passed")
    create_user(sessions, "boss@test.example", {"role": "organisation_manager", "organisation": PROVIDER})
    login(client, "boss@test.example")
    page = client.get("/credentials/issue-bulk")
    assert "BAT-101 Battery basics: 1 passed" in page.text and "SW-101" not in page.text
    preview = client.post(
        "/credentials/issue-bulk/preview",
        data={"source": "course", "course": basics, "course_achievement": slug},
    )
    assert preview.status_code == 200 and re.search(r'id="to-issue">1<', preview.text)
    done = client.post(
        "/credentials/issue-bulk", data={"source": "course", "course": basics, "course_achievement": slug}
    )
    assert done.status_code == 201 and re.search(r'id="issued-count">1<', done.text)
    assert _held(sessions) == [(catalogue.worker_person, slug)]
    failed_only = client.post(
        "/api/credentials/issue-course",
        json={"course": catalogue.course_ids["SW-101"], "achievement": slug, "dry_run": True},
    )
    assert failed_only.status_code == 200 and failed_only.json()["count"] == 0


# --- the event's badge, awarded when attendance is marked --------------------------------------------------


def test_marking_attendance_awards_the_event_s_badge(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    event = _event(sessions)
    plain = _event(sessions, "Plain day")
    slug = _achievement(sessions, awarded_for="event", awarded_for_ref=event)
    _register(sessions, event, world["p0"], world["p1"])
    _register(sessions, plain, world["p2"])
    marked = office_client.post(f"/api/events/{event}/registrations/{world['p0']}/attended")
    assert marked.status_code == 200, marked.text
    assert office_client.post(f"/api/events/{plain}/registrations/{world['p2']}/attended").status_code == 200
    assert _held(sessions) == [(world["p0"], slug)]  # the event without a badge awards nothing
    with unit_of_work(sessions) as db:
        credential = db.scalars(select(IssuedCredential)).one()
        assert credential.issued_at == NOW  # the app's clock
        audit = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "credentials.issue.attendance")
        ).one()
        assert audit.details["event"] == event
    report = office_client.get(f"/verify?credential={credential.uuid}")
    assert "Valid credential" in report.text
    # Issued in bulk before attendance is marked: no second credential.
    with unit_of_work(sessions) as db:
        service.issue(
            db=db,
            actor=SYSTEM,
            data=IssueRequest(achievement=slug, learner=world["p1"]),
            issuing=issuing_for(office_client.app.state.settings),  # type: ignore[attr-defined]
            now=NOW,
        )
    office_client.post(f"/api/events/{event}/registrations/{world['p1']}/attended")
    assert _held(sessions, world["p1"]) == [(world["p1"], slug)]


def test_one_badge_per_event_and_linking_needs_sight_of_the_event(
    client: TestClient, sessions: sessionmaker[Session], world: dict[str, int], skills: None
) -> None:
    event = _event(sessions)
    _achievement(sessions, name="First", awarded_for="event", awarded_for_ref=event)
    create_user(sessions, "office@asa.example", {"role": "alliance_office"})
    login(client, "office@asa.example")
    second = client.post("/achievements", data=_form(awarded_for_ref=event))
    assert second.status_code == 409 and "awards First already" in _field_error(
        second.text, "awarded_for_ref"
    )
    # a manager of the issuer who does not see the event's attendance may not link the badge to it
    create_user(sessions, "boss@asa.example", {"role": "organisation_manager", "organisation": "asa"})
    login(client, "boss@asa.example")
    other = _event(sessions, "Other day")
    assert f'value="{other}"' not in client.get("/achievements/new").text
    assert client.post("/achievements", data=_form(awarded_for_ref=other)).status_code == 403
    with unit_of_work(sessions) as db:
        assert db.scalar(select(func.count()).select_from(Achievement)) == 1
    # ... but may edit the rest of an achievement an event awards: the link is shown and kept as it is
    edit = client.get("/achievements/first/edit")
    assert f'<option value="{event}" selected' in edit.text
    kept = client.post(
        "/achievements/first/edit",
        data=_form(name="First", awarded_for_ref=event, **{"skills.uri": []}),
        follow_redirects=False,
    )
    assert kept.status_code == 303, kept.text
    assert (
        client.post("/achievements/first/edit", data=_form(name="First", **{"skills.uri": []})).status_code
        == 403
    )
    with unit_of_work(sessions) as db:
        first = service.get_achievement(db=db, ref="first")
        assert first.criteria == _form()["criteria"]
        assert db.scalar(select(Event.achievement_id).where(Event.slug == event)) == first.id


# --- revoking and suspending from the credential's page ---------------------------------------------------


def test_suspend_reinstate_and_revoke_with_a_reason_show_on_the_public_pages(
    client: TestClient, sessions: sessionmaker[Session], world: dict[str, int], app_issuing: service.Issuing
) -> None:
    slug = _achievement(sessions)
    uuid = _issue(sessions, app_issuing, slug, world["p0"])
    anonymous = client.get(f"/credentials/{uuid}")
    assert "Change the status" not in anonymous.text and "active" in anonymous.text
    create_user(sessions, "worker@asa.example", {"role": "worker"})
    login(client, "worker@asa.example")
    assert client.post(f"/credentials/{uuid}/revoke", data={"reason": "no"}).status_code == 403
    create_user(sessions, "office@asa.example", {"role": "alliance_office"})
    login(client, "office@asa.example")
    assert "Change the status" in client.get(f"/credentials/{uuid}").text

    no_reason = client.post(f"/credentials/{uuid}/suspend", data={"reason": " "})
    assert no_reason.status_code == 422
    assert _field_error(no_reason.text, "reason") == "Give the reason: it is kept with the credential."
    with unit_of_work(sessions) as db:
        assert service.get_issued(db=db, credential_id=uuid).suspended_at is None

    suspended = client.post(
        f"/credentials/{uuid}/suspend", data={"reason": "Exam under review"}, follow_redirects=False
    )
    assert suspended.status_code == 303
    client.cookies.clear()  # what anybody sees
    verify = client.get(f"/verify?credential={uuid}")
    assert "Not valid" in verify.text and "suspended by the issuer" in verify.text
    assert re.search(
        r'id="issued-status">Status at the issuer: <span class="tag status-suspended">suspended', verify.text
    )
    certificate = client.get(f"/credentials/{uuid}")
    assert "suspended by the issuer since" in certificate.text and "Exam under review" not in certificate.text

    login(client, "office@asa.example")
    assert "Exam under review" in client.get(f"/credentials/{uuid}").text
    client.post(f"/credentials/{uuid}/reinstate", data={"reason": "Review passed"})
    assert "Valid credential" in client.get(f"/verify?credential={uuid}").text
    client.post(f"/credentials/{uuid}/revoke", data={"reason": "Issued to the wrong person"})
    client.cookies.clear()
    verify = client.get(f"/verify?credential={uuid}")
    assert "Not valid" in verify.text and "revoked by the issuer" in verify.text
    assert "status-revoked" in verify.text
    login(client, "office@asa.example")
    page = client.get(f"/credentials/{uuid}")
    assert "Change the status" not in page.text and "it is no longer valid" in page.text
    again = client.post(f"/credentials/{uuid}/suspend", data={"reason": "again"})
    assert again.status_code == 409 and "cannot be undone" in again.text
    with unit_of_work(sessions) as db:
        issued = service.get_issued(db=db, credential_id=uuid)
        assert issued.revoked_at is not None and issued.reason == "Issued to the wrong person"
        actions = list(
            db.scalars(select(AuditEntry.action).where(AuditEntry.object_id == uuid).order_by(AuditEntry.id))
        )
        assert actions[-3:] == ["credentials.suspend", "credentials.reinstate", "credentials.revoke"]


# --- my credentials -------------------------------------------------------------------------------------


def test_my_credentials_share_link_downloads_wallet_code_and_home_inbox(
    client: TestClient, sessions: sessionmaker[Session], world: dict[str, int], app_issuing: service.Issuing
) -> None:
    slug = _achievement(sessions)
    _user, person = create_user(sessions, "learner@example.org")
    mine = _issue(sessions, app_issuing, slug, person)
    other = _issue(sessions, app_issuing, slug, world["p0"])
    anonymous = client.get("/my/credentials", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    login(client, "learner@example.org")
    page = client.get("/my/credentials")
    assert page.status_code == 200
    assert f'value="http://testserver/credentials/{mine}"' in page.text  # the share link
    assert f'href="http://testserver/api/credentials/issued/{mine}/download"' in page.text
    assert f'href="/credentials/{mine}.pdf"' in page.text and "<svg" in page.text
    assert other not in page.text
    assert '<a href="/my/credentials">My credentials</a>' in page.text  # in the menu
    download = client.get(f"/api/credentials/issued/{mine}/download")
    assert json.loads(download.text)["id"] == f"urn:uuid:{mine}"
    assert client.get(f"/credentials/{mine}.pdf").content.startswith(b"%PDF")
    assert [c["id"] for c in client.get("/api/credentials/mine").json()] == [f"urn:uuid:{mine}"]
    home = client.get("/home")
    assert (
        f'href="/credentials/{mine}"' in home.text
        and "Credential received: Hydrogen VET teacher" in home.text
    )
    assert client.get(f"/credentials/{mine}").status_code == 200  # the inbox link leads to the certificate
    create_user(sessions, "new@example.org")
    login(client, "new@example.org")
    assert 'id="no-credentials"' in client.get("/my/credentials").text


# --- the API and the CLI do the same ---------------------------------------------------------------------


def test_the_api_edits_achievements_and_issues_by_e_mail(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    event = _event(sessions)
    slug = _achievement(sessions)
    values = achievement_values(
        skills=[], name="Hydrogen VET teacher", awarded_for="event", awarded_for_ref=event
    )
    changed = office_client.put(f"/api/credentials/achievements/{slug}", json={**values, "eqf_level": 6})
    assert changed.status_code == 200, changed.text
    assert changed.json()["eqf_level"] == 6 and changed.json()["awarded_for_ref"] == event
    with unit_of_work(sessions) as db:
        assert db.scalar(select(Event.achievement_id).where(Event.slug == event)) is not None
    by_mail = office_client.post(
        "/api/credentials/issue", json={"achievement": slug, "email": "ANA@example.org"}
    )
    assert by_mail.status_code == 201 and by_mail.json()["credential"]["learner"] == world["p0"]
    both = office_client.post(
        "/api/credentials/issue",
        json={"achievement": slug, "email": "ana@example.org", "learner": world["p0"]},
    )
    assert both.status_code == 422
    unknown = office_client.post(
        "/api/credentials/issue", json={"achievement": slug, "email": "nobody@example.org"}
    )
    assert unknown.status_code == 404 and unknown.json()["field"] == "email"


def test_the_cli_finds_edits_and_issues_to_attendees(
    cli_env: dict[str, str], sessions: sessionmaker[Session], world: dict[str, int], tmp_path: Path
) -> None:
    from skillatlas.cli import app

    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["credentials", *args])
        return result.exit_code, result.output

    slug = _achievement(sessions)
    event = _event(sessions)
    _register(sessions, event, world["p0"], world["p1"])
    _mark_attended(sessions, event, world["p0"], world["p1"])
    code, output = run("find-learner", "popescu", "--achievement", slug)
    assert code == 0 and "Ana Popescu" in output and "ana@example.org" in output
    code, output = run(
        "issue", "--achievement", slug, "--email", "jonas@example.org", "--out", str(tmp_path / "c.json")
    )
    assert code == 0 and "Jonas Weber" in output, output
    code, output = run("issue-event", "--event", event, "--achievement", slug, "--dry-run")
    assert code == 0 and "would issue 1 credentials" in output and "skipped Jonas Weber" in output, output
    code, output = run("achievements", "edit", slug, "--eqf-level", "6", "--event", event)
    assert code == 0, output
    code, output = run("issue-event", "--event", event, "--json")  # the event's own badge now
    assert code == 0, output
    outcome = json.loads(output.strip().splitlines()[-1])
    assert outcome["count"] == 1 and outcome["learners"] == [world["p0"]]
    code, output = run("list", "--email", "ana@example.org", "--json")
    listed = [json.loads(line) for line in output.strip().splitlines()]
    assert code == 0 and [(c["achievement_name"], c["status"]) for c in listed] == [
        ("Hydrogen VET teacher", "active")
    ]
    code, output = run("achievements", "edit", slug, "--no-event")
    assert code == 0, output
    with unit_of_work(sessions) as db:
        saved = service.get_achievement(db=db, ref=slug)
        assert saved.eqf_level == 6 and service.linked_event(db=db, achievement=saved) is None
    code, output = run("issue", "--achievement", slug, "--out", str(tmp_path / "x.json"))
    assert code == 2 and "name the learner" in output
    assert _held(sessions) == sorted([(world["p0"], slug), (world["p1"], slug)])


def test_the_credential_pages_show_no_internal_words(
    office_client: TestClient,
    sessions: sessionmaker[Session],
    world: dict[str, int],
    skills: None,
    app_issuing: service.Issuing,
) -> None:
    from tests.browser.page_checks import problems_in

    event = _event(sessions)
    office_client.post("/achievements", data=_form(awarded_for_ref=event))
    slug = "battery-safety-basics"
    _register(sessions, event, world["p0"], world["p1"])
    office_client.post(
        f"/api/events/{event}/registrations/{world['p0']}/attended"
    )  # receives the event's badge
    other = _achievement(sessions, name="Second badge", valid_for_days=365)
    uuid = _issue(sessions, app_issuing, other, world["p1"])
    office_client.post(f"/credentials/{uuid}/suspend", data={"reason": "Exam under review"})
    bulk = {"source": "event", "event": event, "achievement": other}
    pages = {
        "the list": office_client.get("/achievements"),
        "an achievement": office_client.get(f"/achievements/{slug}"),
        "the new form": office_client.get("/achievements/new"),
        "the edit form": office_client.get(f"/achievements/{slug}/edit"),
        "a bad form": office_client.post("/achievements", data=_form(name="", hours="x")),
        "the issue form": office_client.get(f"/credentials/issue?achievement={slug}&q=ana"),
        "a preview": office_client.post(
            "/credentials/issue/preview", data={"achievement": slug, "person": world["p0"], "q": "ana"}
        ),
        "the bulk form": office_client.get("/credentials/issue-bulk"),
        "a bulk preview": office_client.post("/credentials/issue-bulk/preview", data=bulk),
        "a bulk result": office_client.post("/credentials/issue-bulk", data=bulk),
        "a suspended certificate": office_client.get(f"/credentials/{uuid}"),
        "its verification": office_client.get(f"/verify?credential={uuid}"),
        "a bad status change": office_client.post(f"/credentials/{uuid}/revoke", data={}),
    }
    found = {name: problems_in(response.text) for name, response in pages.items()}
    assert {name: p for name, p in found.items() if p} == {}
    assert [r.status_code for r in pages.values()] == [
        200,
        200,
        200,
        200,
        422,
        200,
        200,
        200,
        200,
        201,
        200,
        200,
        422,
    ]
