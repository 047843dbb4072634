"""Skills in texts, job titles, job-ad imports and the demand they show, through the real app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import create_user, login

FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"
HEADER = "id,date,country,title,text\n"
ADS = [
    (
        "a1",
        "2026-01-10",
        "DE",
        "Battery engineer",
        "You design battery packs. Battery management systems experience is a must.",
    ),
    ("a2", "2026-02-11", "DE", "BMS developer", "Develop battery management systems for electric cars."),
    (
        "a3",
        "2026-03-12",
        "FR",
        "Software analyst",
        "Analyse business processes and create software design documents.",
    ),
    (
        "a4",
        "2026-04-13",
        "RO",
        "Battery technician",
        "Check battery fluids and maintain battery management systems.",
    ),
    (
        "a5",
        "2026-05-14",
        "DE",
        "Security admin",
        "Manage IT security compliances and ICT network security risks.",
    ),
    (
        "a6",
        "2026-05-20",
        "DE",
        "Battery designer",
        "Battery design for e-mobility; battery management systems.",
    ),
]


def csv_bytes(rows: list[tuple[str, ...]]) -> bytes:
    return (HEADER + "".join(",".join(f'"{v}"' for v in row) + "\n" for row in rows)).encode()


@pytest.fixture
def esco(sessions) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def upload(client: TestClient, content: bytes, name: str = "ads.csv", **params: object):
    return client.post(
        "/api/intelligence/job-ads", files={"file": (name, content, "text/csv")}, params=params
    )


def test_extract_finds_the_skills_with_evidence(client: TestClient, esco: None) -> None:
    text = "Our team builds packs for electric vans.\nYou will own the battery management systems and check battery fluids."
    found = client.post("/api/intelligence/extract", json={"text": text, "top": 5}).json()
    labels = [s["label"] for s in found]
    assert "battery management systems" in labels[:3]
    bms = next(s for s in found if s["label"] == "battery management systems")
    assert "battery management systems" in bms["evidence"] and bms["skill_id"]


def test_extract_refuses_empty_text(client: TestClient) -> None:
    response = client.post("/api/intelligence/extract", json={"text": ""})
    assert response.status_code == 422 and response.json()["field"] == "text"


def test_job_title_to_occupation(client: TestClient, esco: None) -> None:
    matches = client.get("/api/intelligence/job-titles", params={"title": "IT security admin"}).json()
    assert matches[0]["label"] == "ICT security administrator"


def test_import_then_demand(office_client: TestClient, esco: None) -> None:
    report = upload(office_client, csv_bytes(ADS)).json()
    assert report["imported"] == 6 and report["skills_found"] > 6
    again = upload(office_client, csv_bytes(ADS)).json()
    assert again["imported"] == 0 and again["duplicates"] == 6
    demand = office_client.get(
        "/api/intelligence/demand", params={"start": "2026-01-01", "end": "2026-05-31"}
    ).json()
    assert demand["total_ads"] == 6
    assert demand["top"][0]["label"] == "battery management systems"
    assert demand["top"][0]["ads"] >= 3
    assert sum(demand["monthly_ads"]) == 6 and len(demand["months"]) == 5
    germany = office_client.get(
        "/api/intelligence/demand", params={"start": "2026-01-01", "end": "2026-05-31", "country": "DE"}
    ).json()
    assert germany["total_ads"] == 4


def test_broken_rows_import_nothing(office_client: TestClient, esco: None) -> None:
    broken = [*ADS[:2], ("b1", "2026-13-01", "DE", "x", "y"), ("b2", "2026-01-01", "XX", "x", "y")]
    response = upload(office_client, csv_bytes(broken))
    assert response.status_code == 422
    assert "row 3: date" in response.json()["detail"] and "row 4: country" in response.json()["detail"]
    dry = upload(office_client, csv_bytes(broken), dry_run="true").json()
    assert len(dry["problems"]) == 2 and dry["imported"] == 0
    assert (
        office_client.get(
            "/api/intelligence/demand", params={"start": "2025-01-01", "end": "2026-05-31"}
        ).json()["total_ads"]
        == 0
    )


def test_future_ads_and_bad_files_are_refused(office_client: TestClient, esco: None) -> None:
    future = upload(office_client, csv_bytes([("f", "2030-01-01", "DE", "x", "battery design")]))
    assert future.status_code == 422 and "in the future" in future.json()["detail"]
    no_columns = upload(office_client, b"when,where\n1,2\n")
    assert no_columns.status_code == 422 and "missing column" in no_columns.json()["detail"]
    not_json = upload(office_client, b'{"date": "2026-01-01"\n', name="ads.jsonl")
    assert not_json.status_code == 422


def test_pages(office_client: TestClient, esco: None) -> None:
    page = office_client.post(
        "/intelligence/extract", data={"text": "Knowledge of battery design. <script>alert(1)</script>"}
    ).text
    assert "<mark>" in page and "battery design" in page
    assert "<script>alert(1)</script>" not in page  # shown inert
    upload(office_client, csv_bytes(ADS))
    dashboard = office_client.get(
        "/intelligence/demand", params={"start": "2026-01-01", "end": "2026-05-31"}
    ).text
    assert 'id="top-chart"' in dashboard and "battery management systems" in dashboard


def test_only_the_office_and_managers_import_job_ads(client: TestClient, sessions, esco: None) -> None:
    anonymous = upload(client, csv_bytes(ADS))
    assert anonymous.status_code in (401, 403)
    create_user(sessions, "worker@example.org", {"role": "worker"})
    login(client, "worker@example.org")
    assert upload(client, csv_bytes(ADS)).status_code == 403
    assert (
        client.get("/api/intelligence/demand", params={"start": "2026-01-01", "end": "2026-05-31"}).json()[
            "total_ads"
        ]
        == 0
    )


def test_cli_jsonl_contract(tmp_path: Path, cli_env: dict[str, str]) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text(
        "battery management systems\nbattery design\ncreate software design\nmanage IT security compliances\n"
    )
    texts = tmp_path / "in.jsonl"
    texts.write_text(
        json.dumps({"id": 1, "text": "You will design battery management systems."}) + "\n"
        + json.dumps({"id": "b", "text": "Create software design documents."}) + "\n"
    )  # fmt: skip
    result = CliRunner().invoke(
        app, ["skills", "extract", "--jsonl", str(texts), "--top", "2", "--taxonomy-labels", str(labels)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["id"] for line in lines] == [1, "b"]
    assert lines[0]["skills"][0]["label"] == "battery management systems"
    assert set(lines[0]["skills"][0]) == {"uri", "label", "score", "evidence"}
    assert lines[0]["skills"][0]["uri"].startswith("http://data.europa.eu/esco/skill/")
    assert lines[1]["skills"][0]["label"] == "create software design"
    assert all(len(line["skills"]) == 2 for line in lines)


def test_cli_import_is_all_or_nothing(tmp_path: Path, cli_env: dict[str, str], sessions) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([*ADS, ("z", "not a date", "DE", "t", "x")]))
    failed = CliRunner().invoke(app, ["intelligence", "import-job-ads", str(bad)])
    assert failed.exit_code == 2 and "nothing imported" in failed.output
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(ADS))
    ok = CliRunner().invoke(app, ["intelligence", "import-job-ads", str(good)])
    assert ok.exit_code == 0 and "imported 6 of 6" in ok.output


def test_demand_sits_beside_supply(office_client: TestClient, esco: None, sessions, demo: None) -> None:
    from skillatlas.alliance.models import Organisation
    from skillatlas.experts.models import ExpertProfile
    from skillatlas.learning.models import Course, CourseMode, CourseSkill
    from skillatlas.people.models import PersonSkill, SkillLevel
    from skillatlas.taxonomy.models import Skill

    with unit_of_work(sessions) as db:
        bms = db.query(Skill).filter_by(preferred_label="battery management systems").one()
        educam = db.query(Organisation).filter_by(slug="educam").one()
        course = Course(
            code="BMS-1", provider_id=educam.id, title="BMS basics", language="en", mode=CourseMode.ONLINE
        )
        db.add(course)
        db.flush()
        db.add(
            CourseSkill(course_id=course.id, skill_id=bms.id, level=SkillLevel.PRACTITIONER, confirmed=True)
        )
        bms_id = bms.id
    upload(office_client, csv_bytes(ADS))
    demand = office_client.get(
        "/api/intelligence/demand", params={"start": "2026-01-01", "end": "2026-05-31"}
    ).json()
    assert set(demand["supply_sources"]) == {"listed experts", "catalogue courses"}
    rows = {row["label"]: row["supply"] for row in demand["top"]}
    with sessions() as db:
        experts_with_bms = sum(
            1
            for profile in db.query(ExpertProfile).filter_by(listed=True)
            if db.get(PersonSkill, (profile.person_id, bms_id)) is not None
        )
    assert rows["battery management systems"] == {"catalogue courses": 1, "listed experts": experts_with_bms}
    assert rows["battery design"]["catalogue courses"] == 0  # demanded, and nobody teaches it: a gap


def test_job_ads_are_filed_under_occupations(office_client: TestClient, esco: None) -> None:
    upload(office_client, csv_bytes(ADS))
    security = office_client.get("/api/taxonomy/occupations", params={"q": "ICT security"}).json()[0]
    params = {"start": "2026-01-01", "end": "2026-05-31", "occupation_id": security["id"]}
    filed = office_client.get("/api/intelligence/demand", params=params).json()
    assert (
        filed["total_ads"] == 1
    )  # "Security admin"; battery ads share no words with the fixture's occupations
    assert filed["top"][0]["label"] in {"ICT network security risks", "manage IT security compliances"}


def test_accept_found_skills_into_my_profile(client: TestClient, sessions, esco: None) -> None:
    _, person_id = create_user(sessions, "ana@example.org", {"role": "worker"})
    login(client, "ana@example.org")
    found = client.post(
        "/api/intelligence/extract", json={"text": "You will own the battery management systems."}
    ).json()
    bms = next(s["uri"] for s in found if s["label"] == "battery management systems")
    page = client.post("/intelligence/extract/accept", data={"skill": [bms], "level": "expert"})
    assert page.status_code == 200 and "1 skill(s) added to your profile" in page.text
    mine = client.get(f"/api/people/{person_id}/skills").json()
    assert [(s["label"], s["level"], s["source"]) for s in mine] == [
        ("battery management systems", "expert", "claimed")
    ]
    nothing = client.post("/intelligence/extract/accept", data={"level": "expert"})
    assert nothing.status_code == 422 and "check at least one skill" in nothing.text
