"""The catalogue, gap analysis and training path through the real app and CLI."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.cli import app as cli
from skillatlas.db import unit_of_work
from skillatlas.learning.models import Course
from tests.conftest import login
from tests.learning.conftest import BMS, DESIGN, FLUIDS, PROVIDER, ROLE, Catalogue

runner = CliRunner()


def test_gap_and_path_through_the_api(client: TestClient, catalogue: Catalogue) -> None:
    login(client, catalogue.worker_email)
    gap = client.get(f"/api/people/{catalogue.worker_person}/gap", params={"role": ROLE}).json()
    status = {s["uri"]: s["status"] for s in gap["skills"]}
    assert status[DESIGN] == "partly" and status[FLUIDS] == "missing" and status[BMS] == "missing"
    assert 0 < gap["readiness"] < 1
    path = client.post(f"/api/people/{catalogue.worker_person}/path", params={"role": ROLE}).json()
    codes = [c["code"] for c in path["courses"]]
    # BAT-101 (100) + BAT-201 (900, needs BAT-101) + BAT-301 (500) = 1500 < BAT-ALL (3000).
    assert codes.index("BAT-101") < codes.index("BAT-201") and set(codes) == {"BAT-101", "BAT-201", "BAT-301"}
    assert path["total_cost"] == 1500 and path["method"] == "highs" and path["optimality_gap"] == 0
    assert path["uncovered"] == ["system backup best practice"]
    assert "required before BAT-201" in next(c["why"] for c in path["courses"] if c["code"] == "BAT-101")
    # Only English courses: BAT-301 is German, so the complete course is the only way to BMS.
    english = client.post(f"/api/people/{catalogue.worker_person}/path", params={"role": ROLE},
                          json={"languages": ["en"]}).json()  # fmt: skip
    assert [c["code"] for c in english["courses"]] == ["BAT-ALL"]


def test_someone_else_may_not_read_the_gap(
    client: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    from tests.conftest import create_user

    create_user(sessions, "nosy@test.example", {"role": "worker"})
    login(client, "nosy@test.example")
    assert client.get(f"/api/people/{catalogue.worker_person}/gap", params={"role": ROLE}).status_code == 403


def test_unknown_role_or_version_is_a_clear_error(client: TestClient, catalogue: Catalogue) -> None:
    login(client, catalogue.worker_email)
    response = client.get(f"/api/people/{catalogue.worker_person}/gap", params={"role": "nope"})
    assert response.status_code == 404 and response.json()["field"] == "role"
    response = client.get(f"/api/people/{catalogue.worker_person}/gap", params={"role": ROLE, "version": 7})
    assert response.status_code == 404 and response.json()["field"] == "version"


def test_bad_courses_are_refused_and_nothing_saved(office_client: TestClient, catalogue: Catalogue,
                                                   sessions: sessionmaker[Session]) -> None:  # fmt: skip
    url = f"/api/organisations/{PROVIDER}/courses"
    base = {"code": "X-1", "title": "Course X"}
    late = office_client.post(url, json={**base, "starts_on": "2026-09-10", "ends_on": "2026-09-01"})
    assert late.status_code == 422 and late.json()["field"] == "ends_on"
    negative = office_client.post(url, json={**base, "price_eur": -5})
    assert negative.status_code == 422 and "price_eur" in negative.json()["field"]
    cycle = office_client.post(
        url, json={"code": "BAT-101", "title": "Battery basics", "prerequisites": ["BAT-201"]}
    )
    assert cycle.status_code == 422 and "cycle" in cycle.json()["detail"]
    with unit_of_work(sessions) as db:
        assert db.scalar(select(func.count()).select_from(Course)) == 5
    made = office_client.post(
        url, json={**base, "skills": [{"uri": BMS, "level": "awareness"}], "price_eur": 10}
    )
    assert made.status_code == 201, made.text
    found = office_client.get("/api/courses", params={"skill": BMS, "max_price": 100}).json()
    assert [c["code"] for c in found] == ["X-1"]
    ranked = office_client.get("/api/courses", params={"q": "pack design"}).json()
    assert ranked[0]["code"] == "BAT-201"


def test_a_worker_may_not_add_courses(client: TestClient, catalogue: Catalogue) -> None:
    login(client, catalogue.worker_email)
    response = client.post(
        f"/api/organisations/{PROVIDER}/courses", json={"code": "X-2", "title": "Course X"}
    )
    assert response.status_code == 403


def test_cli_path_json_contract(cli_env: dict[str, str], catalogue: Catalogue) -> None:
    result = runner.invoke(cli, ["learning", "path", "--person", str(catalogue.worker_person), "--role", ROLE,
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {s["status"] for s in data["gap"]["skills"]} == {"have", "partly", "missing"}
    assert all({"required_level", "current_level", "status"} <= set(s) for s in data["gap"]["skills"])
    assert data["total_cost"] == sum(c["cost"] for c in data["courses"]) == 1500
    assert data["uncovered"] == ["system backup best practice"]
    bad = runner.invoke(cli, ["learning", "path", "--person", str(catalogue.worker_person), "--role", "nope"])
    assert bad.exit_code == 2 and "no job role 'nope'" in bad.output


def test_import_dry_run_then_for_real_and_a_bad_row_saves_nothing(
    cli_env: dict[str, str], catalogue: Catalogue, sessions: sessionmaker[Session], tmp_path
) -> None:
    good = tmp_path / "courses.csv"
    good.write_text(
        "code,title,description,skills,language,mode,country,price_eur,hours,prerequisites\n"
        f"IMP-1,Imported one,About fluids,{FLUIDS}|expert,en,online,,50,4,\n"
        f"IMP-2,Imported two,About BMS,{BMS}|practitioner,fr,on_site,FR,80,8,IMP-1\n",
        encoding="utf-8",
    )
    dry = runner.invoke(cli, ["learning", "import", str(good), "--provider", PROVIDER, "--dry-run"])
    assert dry.exit_code == 0 and "would import 2 new" in dry.output
    with unit_of_work(sessions) as db:
        assert db.scalar(select(func.count()).select_from(Course)) == 5
    real = runner.invoke(cli, ["learning", "import", str(good), "--provider", PROVIDER])
    assert real.exit_code == 0 and "imported 2 new" in real.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,title,price_eur\nIMP-3,Fine,10\nIMP-4,Negative,-1\n", encoding="utf-8")
    refused = runner.invoke(cli, ["learning", "import", str(bad), "--provider", PROVIDER])
    assert refused.exit_code == 2 and "row 3: price_eur" in refused.output
    with unit_of_work(sessions) as db:
        assert db.scalar(select(func.count()).select_from(Course)) == 7


def test_xlsx_import(
    office_client: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    import io

    from openpyxl import Workbook

    from skillatlas.auth.permissions import SYSTEM
    from skillatlas.learning import service

    book = Workbook()
    sheet = book.active
    sheet.append(["code", "title", "skills", "hours", "price_eur"])
    sheet.append(["XL-1", "From a sheet", f"{DESIGN}|awareness", 3, 30])
    buffer = io.BytesIO()
    book.save(buffer)
    with unit_of_work(sessions) as db:
        report = service.import_courses(
            db=db, actor=SYSTEM, provider=PROVIDER, name="c.xlsx", content=buffer.getvalue()
        )
    assert report.created == 1


def test_workforce_gap(office_client: TestClient, catalogue: Catalogue) -> None:
    data = office_client.get(f"/api/organisations/{PROVIDER}/workforce-gap", params={"role": ROLE}).json()
    assert data["workers"] >= 1 and data["ready"] == 0
    by_uri = {d["uri"]: d for d in data["demand"]}
    assert by_uri[FLUIDS]["workers_with_gap"] == data["workers"] and by_uri[FLUIDS]["course"] == "BAT-101"


def test_suggested_skills_are_confirmed_by_the_provider(
    office_client: TestClient, catalogue: Catalogue, settings, monkeypatch
) -> None:  # fmt: skip
    from skillatlas.intelligence import engine as engine_module

    # Lexical extraction: fast, no embedding model; the route uses the configured backend otherwise.
    lexical = engine_module.IntelligenceEngine(settings.data_dir, "none")
    monkeypatch.setattr(engine_module, "engine_for", lambda data_dir, backend: lexical)
    course = office_client.post(f"/api/organisations/{PROVIDER}/courses", json={
        "code": "SUG-1", "title": "Battery management systems for technicians",
        "description": "Learn battery management systems and battery fluids."}).json()  # fmt: skip
    suggested = office_client.post(f"/api/courses/{course['id']}/suggest-skills").json()
    uris = {s["uri"] for s in suggested if not s["confirmed"]}
    assert BMS in uris
    kept = office_client.post(f"/api/courses/{course['id']}/confirm-skills", json={"keep": [BMS]}).json()
    assert [(s["uri"], s["confirmed"]) for s in kept] == [(BMS, True)]


def test_cli_roles_and_workforce(cli_env: dict[str, str], catalogue: Catalogue) -> None:
    listing = runner.invoke(cli, ["roles", "list"])
    assert listing.exit_code == 0 and "Battery pack" in listing.output
    shown = json.loads(runner.invoke(cli, ["roles", "show", ROLE, "--json"]).output)
    assert shown["version"] == 1 and len(shown["skills"]) == 5
    assert runner.invoke(cli, ["roles", "show", ROLE, "--version", "3"]).exit_code == 2
    demand = json.loads(runner.invoke(cli, ["learning", "workforce", "--organisation", PROVIDER, "--role", ROLE,
                                            "--json"]).output)  # fmt: skip
    assert demand["workers"] >= 1 and demand["demand"][0]["workers_with_gap"] >= 1


def test_path_respects_mode_place_and_dates(office_client: TestClient, catalogue: Catalogue) -> None:
    url = f"/api/people/{catalogue.worker_person}/path"
    # On-site BAT-301 is in Germany: learners in France get the online complete course for BMS instead.
    france = office_client.post(url, params={"role": ROLE}, json={"countries": ["FR"]}).json()
    assert "BAT-301" not in {c["code"] for c in france["courses"]}
    office_client.post(f"/api/organisations/{PROVIDER}/courses", json={
        "code": "BMS-LATE", "title": "BMS, autumn", "price_eur": 1, "starts_on": "2026-11-01", "ends_on": "2026-11-05",
        "skills": [{"uri": BMS, "level": "expert"}]})  # fmt: skip
    cheap = office_client.post(url, params={"role": ROLE}, json={}).json()
    assert "BMS-LATE" in {c["code"] for c in cheap["courses"]}
    summer = office_client.post(url, params={"role": ROLE}, json={"finish_by": "2026-09-30"}).json()
    assert "BMS-LATE" not in {c["code"] for c in summer["courses"]}
    hours = office_client.post(url, params={"role": ROLE}, json={"cost": "hours"}).json()
    assert hours["cost_basis"] == "hours" and hours["total_cost"] == hours["total_hours"]


def test_import_through_the_api(office_client: TestClient, catalogue: Catalogue) -> None:
    url = f"/api/organisations/{PROVIDER}/courses/import"
    cyclic = b"code,title,prerequisites\nA-1,Course A,A-2\nA-2,Course B,A-1\n"
    refused = office_client.post(url, files={"file": ("c.csv", cyclic, "text/csv")})
    assert refused.status_code == 422 and "cycle" in refused.json()["detail"]
    good = b"code,title,prerequisites\nA-1,Course A,\nA-2,Course B,A-1\n"
    dry = office_client.post(
        url, params={"dry_run": True}, files={"file": ("c.csv", good, "text/csv")}
    ).json()
    assert {k: dry[k] for k in ("dry_run", "created", "updated", "codes", "problems")} == {
        "dry_run": True, "created": 2, "updated": 0, "codes": ["A-1", "A-2"], "problems": []
    }  # fmt: skip
    assert [(r["line"], r["code"], r["action"], r["problems"]) for r in dry["rows"]] == [
        (2, "A-1", "new", []), (3, "A-2", "new", [])
    ]  # fmt: skip
    assert (
        office_client.get("/api/courses", params={"provider": PROVIDER, "limit": 500}).json().__len__() == 5
    )
    assert office_client.post(url, files={"file": ("c.csv", good, "text/csv")}).json()["created"] == 2


def test_a_changed_course_changes_the_path_at_once(office_client: TestClient, catalogue: Catalogue) -> None:
    url = f"/api/people/{catalogue.worker_person}/path"
    before = office_client.post(url, params={"role": ROLE}).json()
    assert "BAT-301" in {c["code"] for c in before["courses"]}
    # The same course (by code), now dearer: the cached candidates are read again.
    office_client.post(f"/api/organisations/{PROVIDER}/courses", json={
        "code": "BAT-301", "title": "Battery management systems", "hours": 24, "price_eur": 5000, "language": "de",
        "mode": "on_site", "country": "DE", "skills": [{"uri": BMS, "level": "expert"}]})  # fmt: skip
    after = office_client.post(url, params={"role": ROLE}).json()
    assert [c["code"] for c in after["courses"]] == ["BAT-ALL"] and after["total_cost"] == 3000
