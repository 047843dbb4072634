"""Experts described only in words (issue 16): skills derived from the bio with their evidence, confirmed or
removed by the expert; a request's skills found the same way at every door; reasons that name what matched."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.experts.matching import MIN_RELEVANCE, ExpertRecord, MatchQuery, build_pool, rank
from skillatlas.people.models import PersonSkill
from skillatlas.taxonomy.models import Skill
from tests.conftest import create_user, login
from tests.experts.conftest import BATTERY_DESIGN, BMS, SOFTWARE_DESIGN
from tests.experts.test_cli import AVAILABILITY, write_csv
from tests.experts.test_picker_forms import form, visible

runner = CliRunner()

BMS_SENTENCE = "I design battery management systems for electric buses."
ANA = {"headline": "Battery consultant", "bio": f"{BMS_SENTENCE} On weekends I sail."}
BO = {"headline": "Software architect",
      "bio": "I create software design for vehicle controllers. I document software architecture models."}  # fmt: skip
CY = {"headline": "Baker", "bio": "I teach sourdough baking and run a small cafe."}
REQUEST_TEXT = "We need help with the battery management systems of our electric buses."


@pytest.fixture(autouse=True)
def lexical_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads the same (lexical) backend as the test app, so that the doors can be compared."""
    monkeypatch.setenv("SKILLATLAS_EMBEDDING_BACKEND", "none")


def profile(text: dict[str, str]) -> dict[str, Any]:
    return {**text, "languages": [{"code": "en", "level": "C1"}], "consent": True}


def expert(client: TestClient, sessions, email: str, text: dict[str, str]) -> int:
    """A user who registers as an expert with words only: no skill listed."""
    _, person_id = create_user(sessions, email, {"role": "worker"})
    login(client, email)
    saved = client.put(f"/api/experts/profiles/{person_id}", json=profile(text))
    assert saved.status_code == 200, saved.json()
    return person_id


def skills(sessions, person_id: int) -> dict[str, tuple[str, str]]:
    """uri -> (source, evidence) of a person's record."""
    with sessions() as db:
        rows = db.execute(
            select(Skill.uri, PersonSkill.source, PersonSkill.evidence)
            .join(Skill, Skill.id == PersonSkill.skill_id)
            .where(PersonSkill.person_id == person_id)
        )
        return {uri: (source.value, evidence) for uri, source, evidence in rows}


# --- the import ------------------------------------------------------------------------------------


def test_import_accepts_experts_described_only_in_words(
    cli_env, sessions, esco: None, tmp_path: Path
) -> None:
    rows = [
        {"external_id": "F-1", "full_name": "Ana Words", "headline": ANA["headline"], "bio": ANA["bio"],
         "languages": "en:C1", "availability": AVAILABILITY, "consent": "yes"},
        {"external_id": "F-2", "full_name": "Nobody Said", "consent": "yes"},
    ]  # fmt: skip
    refused = runner.invoke(app, ["experts", "import", str(write_csv(tmp_path / "bad.csv", rows))])
    assert (
        refused.exit_code == 2 and "describe the expert in the bio" in refused.output
    )  # no skills, no words
    done = runner.invoke(app, ["experts", "import", str(write_csv(tmp_path / "ok.csv", rows[:1]))])
    assert done.exit_code == 0 and "1 new" in done.output, done.output
    with sessions() as db:
        from skillatlas.experts.service import person_of_external_id

        ana = person_of_external_id(db, "F-1")
    found = skills(sessions, ana)
    assert found[BMS] == ("derived", BMS_SENTENCE)  # marked derived, with the sentence that evidences it
    assert all(source == "derived" for source, _ in found.values())

    listed = runner.invoke(app, ["experts", "derived", "F-1"])
    assert listed.exit_code == 0 and "battery management systems" in listed.output
    assert "electric buses" in listed.output  # the evidence sentence is shown
    kept = runner.invoke(app, ["experts", "derived", "F-1", "--confirm", "battery management systems"])
    assert kept.exit_code == 0, kept.output
    assert skills(sessions, ana)[BMS] == ("claimed", BMS_SENTENCE)  # confirmed: a claim, the evidence kept
    others = [uri for uri, (source, _) in skills(sessions, ana).items() if source == "derived"]
    for uri in others:
        assert runner.invoke(app, ["experts", "derived", "F-1", "--remove", uri]).exit_code == 0
    assert set(skills(sessions, ana)) == {BMS}
    wrong = runner.invoke(app, ["experts", "derived", "F-1", "--remove", "battery management systems"])
    assert wrong.exit_code == 2 and "not a skill found" in wrong.output  # a claim is not the bio's any more


# --- the expert confirms or removes, through the API and the page ------------------------------------


def test_derived_skills_confirmed_and_removed_through_the_api(
    client: TestClient, sessions, esco: None
) -> None:
    ana = expert(client, sessions, "ana@example.org", ANA)
    shown = {s["uri"]: s for s in client.get(f"/api/experts/profiles/{ana}").json()["skills"]}
    assert shown[BMS]["source"] == "derived" and shown[BMS]["evidence"] == BMS_SENTENCE
    others = [uri for uri, s in shown.items() if uri != BMS]
    reviewed = client.post(
        f"/api/experts/profiles/{ana}/derived-skills", json={"confirm": [BMS], "remove": others}
    )
    assert reviewed.status_code == 200, reviewed.json()
    assert [(s["uri"], s["source"]) for s in reviewed.json()["skills"]] == [(BMS, "claimed")]
    again = client.post(f"/api/experts/profiles/{ana}/derived-skills", json={"remove": [BMS]})
    assert again.status_code == 422 and again.json()["field"] == "skills"  # a claim is no longer "derived"
    # saving the same bio again does not bring removed skills back; a new bio is read again
    client.put(f"/api/experts/profiles/{ana}", json=profile(ANA))
    assert set(skills(sessions, ana)) == {BMS}
    client.put(f"/api/experts/profiles/{ana}", json=profile({**ANA, "bio": "I review battery design."}))
    assert skills(sessions, ana)[BATTERY_DESIGN] == ("derived", "I review battery design.")
    # somebody else's derived skills are not theirs to review
    create_user(sessions, "eve@example.org", {"role": "worker"})
    login(client, "eve@example.org")
    refused = client.post(f"/api/experts/profiles/{ana}/derived-skills", json={"confirm": [BATTERY_DESIGN]})
    assert refused.status_code == 403


def test_derived_skills_confirmed_and_removed_on_the_profile_page(
    client: TestClient, sessions, esco: None
) -> None:
    ana = expert(client, sessions, "ana@example.org", ANA)
    page = client.get("/experts/profile")
    text = visible(page.text)
    assert "Skills found in your bio" in text and f"“{BMS_SENTENCE}”" in text
    assert "battery management systems" in text
    kept = form(client, "/experts/profile/derived", {"uri": BMS, "action": "confirm"})
    assert kept.status_code == 303, kept.text
    assert skills(sessions, ana)[BMS][0] == "claimed"
    # a click on a page that was no longer current: the skill named in words beside the list, not its URI
    stale = form(client, "/experts/profile/derived", {"uri": BMS, "action": "remove"})
    assert stale.status_code == 422 and "My expert profile" in visible(stale.text)
    assert "battery management systems no longer waits for you: it was kept or removed already" in stale.text
    assert "http" not in visible(stale.text) and skills(sessions, ana)[BMS][0] == "claimed"
    for uri in [u for u, (source, _) in skills(sessions, ana).items() if source == "derived"]:
        assert form(client, "/experts/profile/derived", {"uri": uri, "action": "remove"}).status_code == 303
    assert set(skills(sessions, ana)) == {BMS}
    page = client.get("/experts/profile")
    assert "Skills found in your bio" not in visible(page.text)
    assert re.search(
        r'name="skills.uri" value="' + re.escape(BMS), page.text
    )  # now in the picker, as a claim


# --- one request, three doors, one ranking ---------------------------------------------------------


def test_a_request_in_words_ranks_the_same_at_every_door(
    client: TestClient, sessions, esco: None, orgs: dict, cli_env, tmp_path: Path
) -> None:
    ana = expert(client, sessions, "ana@example.org", ANA)
    bo = expert(client, sessions, "bo@example.org", BO)
    expert(client, sessions, "cy@example.org", CY)
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    company = login(client, "boss@example.org")
    title = "Electric buses"

    api = company.post("/api/experts/requests", json={"organisation": "acea", "title": title,
                                                      "description": REQUEST_TEXT})  # fmt: skip
    assert api.status_code == 201, api.json()
    page = form(company, "/experts/requests", {"organisation": "acea", "title": title, "description": REQUEST_TEXT,
                                               "work_mode": "either"})  # fmt: skip
    assert page.status_code == 303, page.text
    page_id = int(page.headers["location"].rsplit("/", 1)[1])
    stored = {r["id"]: r for r in company.get("/api/experts/requests").json()}
    assert stored[page_id]["skills"] == stored[api.json()["id"]]["skills"]  # the same skills found
    assert BMS in {s["uri"] for s in stored[page_id]["skills"]}

    def ranking(request_id: int) -> list[tuple[int, float, list[str]]]:
        shortlist = company.get(f"/api/experts/requests/{request_id}/shortlist").json()
        return [(e["expert_id"], e["score"], e["reasons"]) for e in shortlist]

    by_api, by_page = ranking(api.json()["id"]), ranking(page_id)
    lines = tmp_path / "requests.jsonl"
    lines.write_text(json.dumps({"id": "r1", "title": title, "text": REQUEST_TEXT}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["experts", "match", "--jsonl", str(lines)])
    assert result.exit_code == 0, result.output
    by_cli = [(e["expert_id"], e["score"], e["reasons"]) for e in json.loads(result.output)["experts"]]
    assert by_api == by_page == by_cli
    assert by_api[0][0] == ana and bo not in [
        e for e, _, _ in by_api
    ]  # the baker and the architect: no evidence
    shown = visible(company.get(f"/experts/requests/{page_id}").text)
    assert f"Expert #{ana}" in shown and f"Expert #{bo}" not in shown
    assert "battery management systems (practitioner, found in the description)" in shown


# --- reasons name what matched -----------------------------------------------------------------------


def test_reasons_name_the_skills_their_evidence_and_what_is_missing(
    client: TestClient, sessions, esco: None, orgs: dict, cli_env, tmp_path: Path
) -> None:
    ana = expert(client, sessions, "ana@example.org", ANA)
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    company = login(client, "boss@example.org")
    posted = company.post("/api/experts/requests", json={
        "organisation": "acea", "title": "BMS and software", "description": REQUEST_TEXT,
        "skills": [{"uri": BMS, "level": "practitioner"}, {"uri": SOFTWARE_DESIGN, "level": "expert"}]})  # fmt: skip
    request_id = posted.json()["id"]
    shortlist = company.get(f"/api/experts/requests/{request_id}/shortlist").json()
    assert [e["expert_id"] for e in shortlist] == [ana]
    reasons = shortlist[0]["reasons"]
    assert f'covers battery management systems at practitioner level (derived): "{BMS_SENTENCE}"' in reasons
    assert "missing: create software design (expert)" in reasons
    words = next(r for r in reasons if r.startswith("profile uses the request's words: "))
    assert {"battery", "management", "systems", "electric", "buses"} <= set(words.split(": ")[1].split(", "))
    assert not any(re.search(r"\b(words|meaning) \d", r) for r in reasons)  # no bare relative numbers
    page = visible(company.get(f"/experts/requests/{request_id}").text)
    assert (
        f"covers battery management systems at practitioner level (found in the bio): “{BMS_SENTENCE}”"
        in page
    )
    assert "does not list create software design (expert level asked)" in page
    lines = tmp_path / "requests.jsonl"
    lines.write_text(json.dumps({"id": "r1", "title": "BMS and software", "text": REQUEST_TEXT, "skills": [
        {"uri": BMS, "level": "practitioner"}, {"uri": SOFTWARE_DESIGN, "level": "expert"}]}) + "\n")  # fmt: skip
    result = runner.invoke(app, ["experts", "match", "--jsonl", str(lines)])
    assert json.loads(result.output)["experts"][0]["reasons"] == reasons


# --- the floor: no evidence, no place ----------------------------------------------------------------

TODAY = dt.date(2026, 6, 1)
LABELS = {f"u{i}": f"skill u{i}" for i in range(10)}
DERIVED, CLAIMED = 3, 0


def test_a_skill_guessed_on_either_side_is_no_evidence_on_its_own() -> None:
    pool = build_pool([
        ExpertRecord(person_id=1, skills=[("u0", "awareness", DERIVED)], evidence={"u0": "Once heard of u0."}),
        ExpertRecord(person_id=2, skills=[("u0", "awareness", CLAIMED)]),
        ExpertRecord(person_id=3),
    ], LABELS)  # fmt: skip
    asked = [(f"u{i}", "practitioner") for i in range(10)]
    # ten skills found in the request's text; expert 1's one weak derived match scored 0.01 and was listed
    guessed = MatchQuery(skills=asked, today=TODAY, extracted=frozenset(u for u, _ in asked))
    assert rank(pool, guessed) == []
    # the requester chose the skills: a claim of one still counts (issue 13), a derived one alone does not
    chosen = MatchQuery(skills=asked, today=TODAY)
    assert [m.person_id for m in rank(pool, chosen)] == [2]
    # a derived skill that is most of what was asked is evidence enough
    one = MatchQuery(skills=[("u0", "awareness")], today=TODAY, extracted=frozenset({"u0"}))
    found = rank(pool, one)
    assert [m.person_id for m in found] == [2, 1] and found[1].score >= MIN_RELEVANCE  # a claim weighs more
    assert 'covers skill u0 at awareness level (derived): "Once heard of u0."' in found[1].reasons
