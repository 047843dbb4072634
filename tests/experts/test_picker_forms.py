"""The expert forms without URIs: the profile and the request choose skills with the picker, every error is shown
beside its field in words and saves nothing; the expert sees who asks and answers; the shortlist reads in words."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.experts import service
from skillatlas.experts.models import ExpertiseRequest, ExpertProfile, Proposal, ProposalStatus
from skillatlas.experts.schemas import ExpertiseRequestIn, ExpertProfileIn
from skillatlas.people import service as people
from skillatlas.people.models import PersonSkill
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.taxonomy.models import Skill
from tests.conftest import NOW, create_user, login
from tests.experts.conftest import BATTERY_DESIGN, BMS, SOFTWARE_DESIGN

PROFILE = {"headline": "Battery pack engineer", "bio": "Battery packs and BMS for electric vehicles.",
           "languages": [{"code": "en", "level": "C1"}, {"code": "de", "level": "native"}], "countries": ["DE"],
           "availability": [{"starts_on": "2026-06-01", "ends_on": "2026-12-31", "days_per_month": 6}],
           "day_rate_eur": 900, "consent": True}  # fmt: skip


def form(client: TestClient, url: str, data: dict[str, Any]):
    return client.post(
        url, data={**data, "csrf_token": client.headers["X-CSRF-Token"]}, follow_redirects=False
    )


def visible(html: str) -> str:
    """What a reader sees: no tags, so no attribute values (hidden fields included)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def record(db: Session, person_id: int) -> dict[str, tuple[str, str]]:
    db.expire_all()
    rows = db.execute(
        select(Skill.uri, PersonSkill.level, PersonSkill.source)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .where(PersonSkill.person_id == person_id)
    )
    # skills found in the bio (derived) have their own tests: test_derived_skills.py
    return {uri: (level.value, source.value) for uri, level, source in rows if source.value != "derived"}


def expert(sessions, email: str, **profile: Any) -> int:
    """A listed expert who claims BMS and holds an assessed battery design; returns the person id."""
    _, person_id = create_user(sessions, email, {"role": "expert"})
    with unit_of_work(sessions) as db:
        people.set_skills(db=db, actor=SYSTEM, person_id=person_id, skills=[
            PersonSkillIn(uri=BMS, level="practitioner", evidence="two BMS projects"),
            PersonSkillIn(uri=BATTERY_DESIGN, level="expert", source="assessed"),
        ])  # fmt: skip
        data = ExpertProfileIn(**{**PROFILE, **profile})
        service.save_profile(db=db, actor=SYSTEM, person_id=person_id, data=data, now=NOW)
    return person_id


# --- the profile --------------------------------------------------------------------------------------


def test_profile_edits_skills_with_the_picker_and_removes_a_claim(
    client: TestClient, sessions, esco: None, db: Session
) -> None:
    ana = expert(sessions, "ana@example.org")
    login(client, "ana@example.org")
    page = client.get("/experts/profile")
    assert page.status_code == 200
    assert '<textarea name="skills"' not in page.text and "URI" not in visible(page.text)
    assert "data.europa.eu" not in visible(page.text)
    picker = page.text.split('id="f-skills"', 1)[1].split("</fieldset>", 1)[0]
    assert 'data-suggest-from="f-bio"' in page.text  # "suggest from my CV" reads the bio
    assert "battery management systems" in picker and "battery design" not in picker  # claims only
    assert re.search(r'<option value="practitioner" selected>', picker)
    assert "battery design: expert (assessed)" in visible(page.text)  # proof listed apart, kept
    # the languages and the period as rows, filled from the profile
    assert re.search(r'<option value="de" selected>German</option>', page.text)
    assert 'name="availability.starts_on" value="2026-06-01"' in page.text

    saved = form(client, "/experts/profile", {
        "headline": "Battery pack engineer", "consent": "on", "work_mode": "remote",
        "languages.code": ["en", ""], "languages.level": ["C2", "B2"],
        "availability.starts_on": ["2026-07-01", ""], "availability.ends_on": ["2026-09-30", ""],
        "availability.days": ["8", ""],
        "skills.uri": [SOFTWARE_DESIGN], "skills.level": ["expert"],
    })  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == "/experts/profile?saved=1"
    assert record(db, ana) == {SOFTWARE_DESIGN: ("expert", "claimed"), BATTERY_DESIGN: ("expert", "assessed")}
    profile = db.get(ExpertProfile, ana)
    assert profile.languages == [{"code": "en", "level": "C2"}] and profile.work_mode.value == "remote"
    assert profile.availability == [{"starts_on": "2026-07-01", "ends_on": "2026-09-30", "days_per_month": 8}]
    assert "Your profile is saved." in client.get("/experts/profile?saved=1").text


def test_profile_errors_are_beside_their_fields_in_words_and_save_nothing(
    client: TestClient, sessions, esco: None, db: Session
) -> None:
    _, eva = create_user(sessions, "eva@example.org", {"role": "worker"})
    login(client, "eva@example.org")
    bad = form(client, "/experts/profile", {
        "headline": "Hydrogen engineer", "consent": "on", "day_rate_eur": "-5", "countries": "DE, Germany",
        "languages.code": ["en", "eng"], "languages.level": ["C1", "B2"],
        "availability.starts_on": ["2026-07-01", "2026-13-01", "2026-09-01"],
        "availability.ends_on": ["2026-08-01", "2026-12-31", "2026-08-01"],
        "availability.days": ["4", "4", "4"],
        "skills.uri": [BMS], "skills.level": ["guru"],
    })  # fmt: skip
    assert bad.status_code == 422
    text = visible(bad.text)
    assert "Period 2: Starts on: Enter a date like 2026-07-01." in text
    assert "Period 3: Ends on: The end date is before the start date" in text
    assert "Language 2:" in text and "two-letter" in text
    assert "Enter a number at least 0." in text
    assert "Choose a level for battery management systems" in text
    assert "Input should be" not in text and "availability.1" not in text  # no parser words, no field paths
    # every message sits beside its own field
    assert re.search(r'id="f-availability-1-error">Period 2:', bad.text)
    assert re.search(r'id="f-day_rate_eur-error">', bad.text)
    assert re.search(r'id="f-skills-error">Choose a level', bad.text)
    # what was typed is kept
    assert 'value="2026-13-01"' in bad.text and 'value="Hydrogen engineer"' in bad.text
    assert 'value="DE, Germany"' in bad.text
    assert "battery management systems" in bad.text.split('id="f-skills"', 1)[1].split("</ul>", 1)[0]
    # and nothing is saved
    assert db.get(ExpertProfile, eva) is None and record(db, eva) == {}


def test_a_period_in_the_past_is_named_by_its_line(client: TestClient, sessions, esco: None) -> None:
    create_user(sessions, "eva@example.org", {"role": "worker"})
    login(client, "eva@example.org")
    bad = form(client, "/experts/profile", {
        "consent": "on",
        "availability.starts_on": ["", "2025-01-01"], "availability.ends_on": ["", "2025-02-01"],
        "availability.days": ["", "4"],
    })  # fmt: skip
    assert bad.status_code == 422
    # the blank line is dropped, so the bad one is shown, and named, as the first
    assert "Period 1: The period ending 2025-02-01 is in the past" in visible(bad.text)


# --- the request form -------------------------------------------------------------------------------


def test_request_form_uses_the_picker_and_suggests_from_the_description(
    client: TestClient, sessions, esco: None, orgs: dict, db: Session
) -> None:
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    login(client, "boss@example.org")
    page = client.get("/experts/requests/new").text
    assert 'textarea name="skills"' not in page and "URI" not in visible(page)
    assert 'data-suggest-from="f-description"' in page and "Suggest skills from the description above" in page
    assert re.search(r'<input type="checkbox" name="languages" value="de"\s*> German', page)

    posted = form(client, "/experts/requests", {
        "organisation": "acea", "title": "Pack review", "description": "Review our battery pack.",
        "skills.uri": [BATTERY_DESIGN, BMS], "skills.level": ["expert", "awareness"],
        "languages": ["en", "de"], "country": "DE", "work_mode": "on_site",
    })  # fmt: skip
    assert posted.status_code == 303
    created = db.scalars(select(ExpertiseRequest)).one()
    assert [(s["uri"], s["level"], s["label"]) for s in created.skills] == [
        (BATTERY_DESIGN, "expert", "battery design"),
        (BMS, "awareness", "battery management systems"),
    ]
    assert created.languages == ["de", "en"] and created.country == "DE"
    shown = visible(client.get(posted.headers["location"]).text)
    assert "battery design (expert)" in shown and "working languages: German, English" in shown
    assert "data.europa.eu" not in shown


def test_bad_request_shows_every_error_beside_its_field_and_saves_nothing(
    client: TestClient, sessions, esco: None, orgs: dict, db: Session
) -> None:
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    login(client, "boss@example.org")
    bad = form(client, "/experts/requests", {
        "organisation": "acea", "title": "ab", "days": "0", "budget_eur": "lots", "starts_on": "1 July",
        "description": "Review our pack.", "skills.uri": [BMS], "skills.level": ["expert"], "languages": ["de"],
    })  # fmt: skip
    assert bad.status_code == 422
    for field, words in (
        ("title", "Enter at least 3 characters."),
        ("days", "Enter a number at least 1."),
        ("budget_eur", "Enter a whole number."),
        ("starts_on", "Enter a date like 2026-07-01."),
    ):
        assert re.search(rf'id="f-{field}-error">{re.escape(words)}', bad.text), field
    assert 'value="1 July"' in bad.text and "Review our pack." in bad.text  # kept as typed
    assert re.search(r'value="de"\s*checked', bad.text)
    assert "battery management systems" in bad.text.split('id="f-skills"', 1)[1].split("</ul>", 1)[0]
    both = form(client, "/experts/requests", {"organisation": "acea", "title": "ab", "description": "A review.",
                                           "starts_on": "2026-09-01", "ends_on": "2026-08-01"})  # fmt: skip
    assert re.search(r'id="f-title-error">', both.text)  # and, at the same time, the period
    assert re.search(r'id="f-ends_on-error">The end date is before the start date', both.text)
    unknown = form(client, "/experts/requests", {"organisation": "acea", "title": "Pack review",
                                                 "skills.uri": "http://data.europa.eu/esco/skill/gone",
                                                 "skills.level": "expert"})  # fmt: skip
    assert unknown.status_code == 422 and "no longer in the taxonomy" in unknown.text
    assert "data.europa.eu" not in visible(unknown.text)
    assert db.scalar(select(func.count()).select_from(ExpertiseRequest)) == 0


# --- proposals: the expert sees who asks and answers; the shortlist in words ----------------------------


def _request(sessions, title: str, by: int, **extra: Any) -> int:
    """A request of ACEA's, posted by the user `by`."""
    with unit_of_work(sessions) as db:
        data = ExpertiseRequestIn(organisation="acea", title=title, skills=[{"uri": BMS}], **extra)
        created = service.create_request(db=db, actor=SYSTEM, data=data, now=NOW)
        created.created_by_user_id = by
        return created.id


def test_the_expert_sees_who_asks_and_answers_with_a_message(
    client: TestClient, sessions, esco: None, orgs: dict, db: Session
) -> None:
    boss, _ = create_user(
        sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"}
    )
    ana = expert(sessions, "ana@example.org")
    details = {"description": "Review our 800 V pack before tooling.", "country": "DE", "work_mode": "on_site",
               "starts_on": "2026-07-01", "ends_on": "2026-07-31", "days": 5, "budget_eur": 5000}  # fmt: skip
    declined_id, accepted_id = (
        _request(sessions, "Pack review", boss, **details),
        _request(sessions, "BMS audit", boss),
    )
    login(client, "boss@example.org")
    for request_id in (declined_id, accepted_id):
        assert (
            form(client, f"/experts/requests/{request_id}/proposals", {"expert_id": ana}).status_code == 303
        )

    login(client, "ana@example.org")
    page = client.get("/experts/proposals")
    text = visible(page.text)
    assert "ACEA Motors asks" in text and "Review our 800 V pack before tooling." in text
    assert "01 Jul 2026 to 31 Jul 2026 · 5 days of work" in text and "Where On site · Germany" in text
    assert "€5,000 (about €1,000 a day)" in text
    assert "Their contact is shared with you once you accept." in text and "boss@example.org" not in text
    assert "Why I was proposed" in text and "covers battery management systems" in text
    assert not re.search(r"\d\.\d\d", text)  # no raw scores
    declined = db.scalar(select(Proposal.id).where(Proposal.request_id == declined_id))
    accepted = db.scalar(select(Proposal.id).where(Proposal.request_id == accepted_id))

    too_long = form(
        client, f"/experts/proposals/{declined}/status", {"status": "declined", "message": "x" * 5001}
    )
    assert too_long.status_code == 422
    assert re.search(rf'id="message-{declined}-error">Enter at most 5000 characters', too_long.text)
    db.expire_all()
    assert db.get(Proposal, declined).status == ProposalStatus.PROPOSED  # nothing changed

    answer = {"status": "declined", "message": "Booked until the autumn, sorry."}
    assert form(client, f"/experts/proposals/{declined}/status", answer).status_code == 303
    assert form(client, f"/experts/proposals/{accepted}/status", {"status": "accepted"}).status_code == 303
    db.expire_all()
    assert db.get(Proposal, declined).history[-1]["message"] == "Booked until the autumn, sorry."
    text = visible(client.get("/experts/proposals").text)
    assert "Contact at ACEA Motors: Boss · boss@example.org" in text  # the accepted one only
    assert text.count("boss@example.org") == 1
    assert "My answer: “Booked until the autumn, sorry.”" in text

    login(client, "boss@example.org")
    company = visible(client.get(f"/experts/requests/{declined_id}").text)
    assert "declined" in company and "“Booked until the autumn, sorry.”" in company


def test_shortlist_reads_in_words_with_a_clear_empty_state(
    client: TestClient, sessions, esco: None, orgs: dict
) -> None:
    boss, _ = create_user(
        sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"}
    )
    ana = expert(sessions, "ana@example.org")
    fits = _request(sessions, "BMS audit", boss, description="Audit our battery management systems.",
                    languages=["en"], country="DE", budget_eur=4000, days=5)  # fmt: skip
    nobody = _request(sessions, "Pack review in Maltese", boss, languages=["mt"])
    login(client, "boss@example.org")
    text = visible(client.get(f"/experts/requests/{fits}").text)
    assert f"Expert #{ana}" in text
    assert re.search(r"(Strong|Good|Partial|Weak) match \(\d{1,3}%\)", text)
    assert "speaks English (C1)" in text and "covers battery management systems at practitioner level" in text
    assert "day rate €900 is within the budget (€800 a day)" not in text  # 900 > 800: above the budget
    assert "day rate €900 is above the budget (€800 a day): ranked lower" in text
    shortlist = text.split("Shortlist", 1)[1]
    assert not re.search(r"\d\.\d\d", shortlist) and "score" not in shortlist  # no raw floats
    empty = visible(client.get(f"/experts/requests/{nobody}").text)
    assert "No suitable expert yet." in empty and "speak each working language at B2 or better" in empty
    assert "Fewer working languages" in empty
