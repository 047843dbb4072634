"""The KPIs worked out by hand over a small ledger, and the same figures through every front door."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.db import unit_of_work
from skillatlas.geo import EU_COUNTRIES
from skillatlas.kpi import service as kpi_service
from skillatlas.kpi.models import OutcomeEvent
from skillatlas.kpi.report import build_report
from tests.conftest import TODAY, create_user, login
from tests.kpi.conftest import S1, S2, Ledger

runner = CliRunner()
KINDS = ["upskilled", "new_job", "development_plan", "certification", "new_position", "stakeholder_joined"]


def values(**given: int) -> dict[str, int]:
    return {k: given.get(k, 0) for k in KINDS}


def buckets(report: dict[str, Any], dimension: str) -> dict[str, dict[str, int]]:
    return {b["key"]: b["values"] for b in report["breakdowns"][dimension]}


def test_every_kpi_by_hand(client: TestClient, ledger: Ledger) -> None:
    report = client.get("/api/kpi/report?year=2025").json()
    assert {k["key"]: k["total"] for k in report["kpis"]} == values(
        upskilled=3, new_job=2, development_plan=1, certification=1, new_position=1, stakeholder_joined=2
    )
    assert buckets(report, "country") == {
        "DE": values(upskilled=1, new_job=1),
        "RO": values(upskilled=2, certification=1, stakeholder_joined=1),
        "FR": values(new_job=1, development_plan=1, stakeholder_joined=1),
        "IT": values(new_position=1),
    }
    assert buckets(report, "region") == {
        "DE11": values(upskilled=1, new_job=1),
        "RO11": values(upskilled=1, certification=1, stakeholder_joined=1),
        "FR10": values(new_job=1, development_plan=1, stakeholder_joined=1),
        "(none)": values(upskilled=1, new_position=1),
    }
    assert buckets(report, "organisation") == {
        "alpha": values(upskilled=1, new_job=1),
        "beta": values(upskilled=2, certification=1, stakeholder_joined=1),
        "gamma": values(new_job=1, development_plan=1, stakeholder_joined=1),
        "(none)": values(new_position=1),
    }
    assert buckets(report, "type") == {
        "industry": values(upskilled=1, new_job=1),
        "education_training_provider": values(upskilled=2, certification=1, stakeholder_joined=1),
        "social_partner": values(new_job=1, development_plan=1, stakeholder_joined=1),
        "(none)": values(new_position=1),
    }
    no_group = values(new_job=1, development_plan=1, stakeholder_joined=1, new_position=1)
    assert buckets(report, "group") == {
        "battery-task-force": values(upskilled=3, new_job=1, certification=1, stakeholder_joined=1),
        "vet-forum": values(upskilled=2, certification=1, stakeholder_joined=1),
        "(none)": no_group,
    }
    assert buckets(report, "committee") == {
        "technology": values(upskilled=3, new_job=1, certification=1, stakeholder_joined=1),
        "education": values(upskilled=2, certification=1, stakeholder_joined=1),
        "(none)": no_group,
    }
    assert report["months"][0] == "2025-01" and len(report["months"]) == 12
    assert report["monthly"]["upskilled"] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert report["monthly"]["new_job"][2] == 2
    assert [(s["uri"], s["jobs"]) for s in report["top_skills"]] == [(S2, 2), (S1, 1)]
    # Coverage: every member that joined by 31 December 2025 (Alpha in 2024 too; the partner is no member).
    assert (report["stakeholders_total"], report["countries_covered"], report["regions_covered"]) == (3, 3, 3)
    assert report["countries_without_stakeholders"] == [
        c for c in EU_COUNTRIES if c not in {"DE", "RO", "FR"}
    ]
    germany = next(c for c in report["coverage"] if c["country"] == "DE")
    assert germany["stakeholders"] == 1 and germany["upskilled"] == 1
    assert germany["annual_target"] == round(germany["workforce"] * 0.05)
    ambition = report["ambition"]
    assert ambition["workforce"] == 14_000_000 and ambition["target"] == 700_000
    assert (ambition["upskilled"], ambition["projected_year_end"], ambition["as_of"]) == (3, 3, "2025-12-31")


def test_ambition_run_rate_this_year(client: TestClient, ledger: Ledger) -> None:
    ambition = client.get("/api/kpi/report?year=2026").json()["ambition"]
    elapsed = (TODAY - dt.date(2026, 1, 1)).days + 1
    assert ambition["as_of"] == TODAY.isoformat() and ambition["days_elapsed"] == elapsed
    assert ambition["upskilled"] == 1
    assert ambition["projected_year_end"] == round(365 / elapsed)
    assert ambition["run_rate_per_month"] == round(365 / elapsed / 12, 1)
    assert ambition["on_track"] is False


def test_filters(client: TestClient, ledger: Ledger) -> None:
    def totals(query: str) -> dict[str, int]:
        response = client.get(f"/api/kpi/report?year=2025&{query}")
        assert response.status_code == 200, response.text
        return {k["key"]: k["total"] for k in response.json()["kpis"]}

    assert totals("country=RO") == values(upskilled=2, certification=1, stakeholder_joined=1)
    assert totals("region=DE11") == values(upskilled=1, new_job=1)
    assert totals("organisation=gamma") == values(new_job=1, development_plan=1, stakeholder_joined=1)
    assert totals("type=industry") == values(upskilled=1, new_job=1)
    assert totals("group=vet-forum") == values(upskilled=2, certification=1, stakeholder_joined=1)
    assert totals("committee=technology") == values(
        upskilled=3, new_job=1, certification=1, stakeholder_joined=1
    )
    assert totals("committee=education&country=DE") == values()
    ro = client.get("/api/kpi/report?year=2025&country=RO").json()
    assert ro["ambition"]["workforce"] == next(c["workforce"] for c in ro["coverage"] if c["country"] == "RO")
    assert client.get("/api/kpi/report?year=2025&organisation=nobody").status_code == 404
    assert client.get("/api/kpi/report?year=2025&country=XX").status_code == 422
    assert client.get("/api/kpi/report?start=2025-05-01&end=2025-01-01").status_code == 422


def test_any_period_is_exact(sessions: sessionmaker[Session], ledger: Ledger) -> None:
    """Partial months at either end come from the ledger: the summaries agree with a recomputation."""
    with unit_of_work(sessions) as db:
        for start, end in [
            ("2025-01-16", "2025-06-10"),
            ("2025-01-31", "2025-01-31"),
            ("2024-12-31", "2026-01-01"),
        ]:
            first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
            fast = build_report(db=db, start=first, end=last, today=TODAY)
            naive = build_report(db=db, start=first, end=last, today=TODAY, source="ledger")
            assert fast == naive
    with unit_of_work(sessions) as db:
        one_day = build_report(db=db, start=dt.date(2025, 1, 31), end=dt.date(2025, 1, 31), today=TODAY)
        assert one_day.total("upskilled") == 1


def test_the_three_front_doors_agree(
    client: TestClient, ledger: Ledger, cli_env: dict[str, str], tmp_path: Any
) -> None:
    api = client.get("/api/kpi/report?year=2025").json()
    cli = runner.invoke(app, ["kpi", "report", "--year", "2025", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout) == api
    page = client.get("/kpi?year=2025")
    assert page.status_code == 200
    shown = dict(re.findall(r'data-kpi="(\w+)"><b>([\d,]+)</b>', page.text))
    assert {k: int(v.replace(",", "")) for k, v in shown.items()} == {
        k["key"]: k["total"] for k in api["kpis"]
    }
    assert 'id="kpi-coverage"' in page.text and "/static/chart.umd.min.js" in page.text
    # The downloads: the same figures in CSV and XLSX.
    table = list(csv.DictReader(io.StringIO(client.get("/api/kpi/report?year=2025&format=csv").text)))
    assert {r["metric"]: int(r["value"]) for r in table if r["section"] == "total"} == {
        k["key"]: k["total"] for k in api["kpis"]
    }
    downloaded = client.get("/api/kpi/report?year=2025&format=xlsx")
    assert downloaded.headers["content-disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(downloaded.content))
    summary = {
        row[1]: row[2] for row in book["Summary"].iter_rows(values_only=True) if row[0] and row[1] in KINDS
    }
    assert summary == {k["key"]: k["total"] for k in api["kpis"]}
    out = tmp_path / "kpi.xlsx"
    written = runner.invoke(app, ["kpi", "report", "--year", "2025", "--format", "xlsx", "--out", str(out)])
    assert written.exit_code == 0 and out.stat().st_size > 0
    markdown = runner.invoke(app, ["kpi", "report", "--year", "2025", "--format", "md"])
    assert "Workers re-oriented and upskilled | 3" in markdown.stdout
    refused = runner.invoke(app, ["kpi", "report", "--format", "xlsx"])
    assert refused.exit_code == 2 and "--out" in refused.output


def test_pseudonyms_never_names(db: Session, ledger: Ledger) -> None:
    refs = set(db.scalars(select(OutcomeEvent.person_ref).where(OutcomeEvent.person_ref.is_not(None))))
    assert refs and all(re.fullmatch(r"p-[0-9a-f]{24}", r) for r in refs)
    assert kpi_service.pseudonym(1) == kpi_service.pseudonym(1) != kpi_service.pseudonym(2)


# --- corrections ------------------------------------------------------------------------------------


def test_a_correction_is_a_new_event(office_client: TestClient, ledger: Ledger, db: Session) -> None:
    events = office_client.get("/api/kpi/events?organisation=alpha").json()
    target = next(e for e in events if e["kind"] == "new_job")
    corrected = office_client.post(f"/api/kpi/events/{target['id']}/correct", json={"reason": "duplicate"})
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["sign"] == -1 and corrected.json()["corrects_id"] == target["id"]
    report = office_client.get("/api/kpi/report?year=2025").json()
    assert next(k["total"] for k in report["kpis"] if k["key"] == "new_job") == 1
    assert [(s["uri"], s["jobs"]) for s in report["top_skills"]] == [(S2, 1)]
    again = office_client.post(f"/api/kpi/events/{target['id']}/correct")
    assert again.status_code == 409
    of_correction = office_client.post(f"/api/kpi/events/{corrected.json()['id']}/correct")
    assert of_correction.status_code == 409
    original = db.get(OutcomeEvent, target["id"])
    assert original is not None and original.sign == 1  # never edited


def test_events_are_for_the_office_and_their_organisations_managers(
    client: TestClient, sessions: sessionmaker[Session], ledger: Ledger
) -> None:
    create_user(sessions, "boss@alpha.example", {"role": "organisation_manager", "organisation": "alpha"})
    login(client, "boss@alpha.example")
    own = client.get("/api/kpi/events?organisation=alpha")
    assert own.status_code == 200 and {e["organisation_id"] for e in own.json()} == {
        ledger.organisations["alpha"]
    }
    assert client.get("/api/kpi/events?organisation=beta").status_code == 403
    assert client.get("/api/kpi/events").status_code == 403
    # The report itself is public.
    assert TestClient(client.app).get("/api/kpi/report?year=2025").status_code == 200


# --- imports --------------------------------------------------------------------------------------------

HEADER = "external_id,kind,occurred_on,organisation,country,nuts_region,person_ref,skills\n"
GOOD = (
    "m-1,upskilled,2026-02-01,alpha,,,emp-001,\n"
    "m-2,new_job,2026-02-02,beta,,,,http://data.europa.eu/esco/skill/s1; http://data.europa.eu/esco/skill/s3\n"
    "m-3,development_plan,2026-03-03,gamma,DE,DE21,emp-003,\n"
)


def _upload(client: TestClient, text: str, dry_run: bool = False, name: str = "events.csv") -> Any:
    return client.post(
        f"/api/kpi/events/import?dry_run={str(dry_run).lower()}",
        files={"file": (name, text.encode(), "text/csv")},
    )


def _totals(client: TestClient, year: int = 2026) -> dict[str, int]:
    return {k["key"]: k["total"] for k in client.get(f"/api/kpi/report?year={year}").json()["kpis"]}


def test_import_dry_run_then_twice_counts_once(office_client: TestClient, ledger: Ledger) -> None:
    before = _totals(office_client)
    dry = _upload(office_client, HEADER + GOOD, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json() | {"by_kind": None} == {
        "rows": 3, "added": 3, "already_imported": 0, "dry_run": True, "by_kind": None
    }  # fmt: skip
    assert _totals(office_client) == before
    first = _upload(office_client, HEADER + GOOD)
    assert first.json()["added"] == 3
    after = _totals(office_client)
    assert after["upskilled"] == before["upskilled"] + 1 and after["development_plan"] == 1
    second = _upload(office_client, HEADER + GOOD)
    assert (second.json()["added"], second.json()["already_imported"]) == (0, 3)
    assert _totals(office_client) == after
    by_region = {
        b["key"]: b["values"]
        for b in office_client.get("/api/kpi/report?year=2026").json()["breakdowns"]["region"]
    }
    assert by_region["DE21"]["development_plan"] == 1  # the row's own country and region win


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x-1,upskilled,2026-02-01,nobody,,,,", "unknown organisation 'nobody'"),
        ("x-1,upskilled,2026-06-02,alpha,,,,", "in the future"),
        ("x-1,promoted,2026-02-01,alpha,,,,", "row 3: kind"),
        ("x-1,upskilled,yesterday,alpha,,,,", "row 3: occurred_on"),
        ("x-1,upskilled,2026-02-01,alpha,DE,FR10,,", "not in country DE"),
        ("m-1,upskilled,2026-02-01,alpha,,,,", "appears twice"),
        ("x-1,upskilled,2026-02-01,alpha,,,,,surplus", "more cells than columns"),
    ],
)
def test_bad_input_counts_nothing(office_client: TestClient, db: Session, row: str, message: str) -> None:
    create = {"name": "Alpha Motors", "short_name": "alpha", "type": "industry", "country": "DE"}
    assert office_client.post("/api/organisations", json=create).status_code == 201
    before = db.scalar(select(func.count()).select_from(OutcomeEvent))
    response = _upload(office_client, HEADER + "m-1,upskilled,2026-02-01,alpha,,,,\n" + row + "\n")
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"] and "nothing was imported" in response.json()["detail"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(OutcomeEvent)) == before


def test_bad_files(office_client: TestClient, ledger: Ledger) -> None:
    assert "no events" in _upload(office_client, HEADER).json()["detail"]
    assert "unknown columns name" in _upload(office_client, "name,kind\nx,upskilled\n").json()["detail"]
    broken = office_client.post("/api/kpi/events/import", files={"file": ("e.xlsx", b"not a workbook", "x")})
    assert broken.status_code == 422 and "XLSX" in broken.json()["detail"]


def test_xlsx_import_and_the_page(office_client: TestClient, ledger: Ledger) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "kind", "occurred_on", "organisation"])
    sheet.append(["x-1", "certification", dt.date(2026, 4, 1), "beta"])
    sheet.append([2, "certification", dt.datetime(2026, 4, 2), "beta"])
    content = io.BytesIO()
    book.save(content)
    page = office_client.get("/kpi/import")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    done = office_client.post(
        "/kpi/import",
        data={"dry_run": "false"},
        files={"file": ("events.xlsx", content.getvalue(), "application/octet-stream")},
    )
    assert done.status_code == 200 and "Added 2 of 2 events" in done.text
    assert _totals(office_client)["certification"] == 2
    bad = office_client.post(
        "/kpi/import",
        files={"file": ("e.csv", (HEADER + "y,upskilled,2026-01-01,nobody,,,,\n").encode(), "text/csv")},
    )
    assert bad.status_code == 422 and "unknown organisation" in bad.text


def test_a_manager_imports_only_their_organisations_events(
    client: TestClient, sessions: sessionmaker[Session], ledger: Ledger
) -> None:
    create_user(sessions, "boss@alpha.example", {"role": "organisation_manager", "organisation": "alpha"})
    login(client, "boss@alpha.example")
    mixed = _upload(client, HEADER + GOOD)
    assert mixed.status_code == 403
    own = _upload(client, HEADER + "a-1,new_position,2026-02-01,alpha,,,,\n")
    assert own.status_code == 200 and own.json()["added"] == 1


def test_cli_import(cli_env: dict[str, str], ledger: Ledger, tmp_path: Any) -> None:
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "c-1,upskilled,2025-05-05,alpha,,,,\n")
    dry = runner.invoke(app, ["kpi", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "would add 1 of 1" in dry.output
    done = runner.invoke(app, ["kpi", "import", str(path)])
    assert done.exit_code == 0 and "added 1 of 1" in done.output
    again = runner.invoke(app, ["kpi", "import", str(path)])
    assert "added 0 of 1 events (1 imported before)" in again.output
    path.write_text(HEADER + "c-2,upskilled,2025-05-05,nobody,,,,\n")
    bad = runner.invoke(app, ["kpi", "import", str(path)])
    assert bad.exit_code == 2 and "unknown organisation" in bad.output
    rebuilt = runner.invoke(app, ["kpi", "rebuild"])
    assert rebuilt.exit_code == 0
    report = json.loads(runner.invoke(app, ["kpi", "report", "--year", "2025", "--format", "json"]).stdout)
    assert next(k["total"] for k in report["kpis"] if k["key"] == "upskilled") == 4


# --- the hooks: stakeholders joining, credentials issued -------------------------------------------------------


def test_a_new_member_is_a_stakeholder_joining(office_client: TestClient) -> None:
    created = office_client.post(
        "/api/organisations",
        json={
            "name": "Epsilon Cars",
            "type": "industry",
            "country": "SK",
            "nuts_region": "SK02",
            "joined_on": "2026-02-03",
        },
    )
    assert created.status_code == 201, created.text
    report = office_client.get("/api/kpi/report?year=2026").json()
    assert buckets(report, "country")["SK"]["stakeholder_joined"] == 1
    assert "SK" not in report["countries_without_stakeholders"]
    assert report["regions_covered"] == 1


def test_an_issued_credential_is_a_certification(sessions: sessionmaker[Session], tmp_path: Any) -> None:
    from skillatlas.alliance.models import Organisation, OrganisationType
    from skillatlas.auth.permissions import SYSTEM
    from skillatlas.credentials import service as credentials
    from skillatlas.credentials.schemas import AchievementCreate, IssueRequest
    from skillatlas.people.models import Person
    from tests.credentials.conftest import achievement_values

    issuing = credentials.Issuing(base_url="http://127.0.0.1:8000", data_dir=tmp_path / "data")
    with unit_of_work(sessions) as db:
        asa = Organisation(
            slug="asa", name="ASA", type=OrganisationType.ASSOCIATION, country="BE", nuts_region="BE10"
        )
        employer = Organisation(slug="acme", name="Acme", type=OrganisationType.INDUSTRY, country="CZ")
        db.add_all([asa, employer])
        db.flush()
        learner = Person(full_name="Jana Novak", country="CZ", nuts_region="CZ06", employer_id=employer.id)
        db.add(learner)
        db.flush()
        credentials.create_achievement(
            db=db, actor=SYSTEM, data=AchievementCreate.model_validate(achievement_values(skills=[]))
        )
        credentials.issue(
            db=db,
            actor=SYSTEM,
            data=IssueRequest.model_validate({"achievement": "hydrogen-vet-teacher", "learner": learner.id}),
            issuing=issuing,
            now=dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC),
        )
        event = db.scalar(select(OutcomeEvent).where(OutcomeEvent.kind == "certification"))
        assert event is not None
        assert (event.country, event.nuts_region, event.organisation_id) == ("CZ", "CZ06", employer.id)
        assert event.occurred_on == dt.date(2026, 5, 20) and event.person_ref == kpi_service.pseudonym(
            learner.id
        )
        assert "Novak" not in (event.person_ref or "")


def test_the_demo_ledger(client: TestClient, demo: None) -> None:
    report = client.get("/api/kpi/report?year=2025").json()
    assert sum(k["total"] for k in report["kpis"]) > 300
    page = client.get("/kpi")
    assert page.status_code == 200 and "Ambition 2026" in page.text


def test_two_members_may_use_the_same_ids(office_client: TestClient, ledger: Ledger) -> None:
    before = _totals(office_client)["new_position"]
    rows = "1,new_position,2026-02-01,alpha,,,,\n1,new_position,2026-02-01,beta,,,,\n"
    done = _upload(office_client, HEADER + rows)
    assert done.status_code == 200 and done.json()["added"] == 2
    assert _totals(office_client)["new_position"] == before + 2
    assert _upload(office_client, HEADER + rows).json()["already_imported"] == 2
