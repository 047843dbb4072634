"""The alliance office imports job ads in a real browser: a file with a bad row is checked and refused, the
corrected file is checked and imported, and the demand page shows the skills the ads ask for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.config import Settings
from skillatlas.db import unit_of_work
from skillatlas.intelligence.models import JobAd, JobAdSkill
from skillatlas.taxonomy import service as taxonomy
from skillatlas.taxonomy.models import Skill
from tests.experts.conftest import FIXTURE

pytestmark = pytest.mark.browser

PASSWORD = "asa-demo-2026"  # the demo accounts' documented password
OFFICE = "office@asa-demo.eu"  # Olga Office, the alliance office
HEADER = "id,date,country,title,text\n"
ROWS = [
    "walk-1,2026-04-07,DE,Battery engineer,"
    '"You design battery packs. Experience with battery management systems is a must."\n',
    "walk-2,2026-04-21,XX,BMS developer,Develop battery management systems for electric cars.\n",
    "walk-3,2026-05-12,RO,Battery technician,"
    '"Check battery fluids and maintain the battery management systems of our buses."\n',
]
BAD_FILE = (HEADER + "".join(ROWS)).encode()
GOOD_FILE = (HEADER + "".join(ROWS).replace(",XX,", ",FR,")).encode()


@pytest.fixture
def esco(sessions: sessionmaker[Session], demo: None) -> None:
    """Arranged, not clicked: the ESCO fixture's skills, which the ads are searched for."""
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def choose_file(page: Page, name: str, content: bytes) -> None:
    page.get_by_label("File with job ads").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Check the file").click()


def test_the_office_checks_and_imports_job_ads(live_server: str, page: Page, esco: None, db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(JobAd)) or 0
    log_in(page, live_server, OFFICE)

    # the menu leads to the import page
    page.locator("summary", has_text="Office").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import job ads").click()
    expect(page.get_by_role("heading", name="Import job ads", level=1)).to_be_visible()

    # a file with a bad row: its problem by line number, and no way to import it
    choose_file(page, "april.csv", BAD_FILE)
    expect(page.get_by_role("heading", name="Check of april.csv: nothing saved yet")).to_be_visible()
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("line 3")
    expect(problems.first).to_contain_text("unknown country “XX”")
    expect(page.locator("#problems-summary")).to_contain_text("nothing can be imported")
    expect(page.locator("#import-form")).to_have_count(0)
    assert (db.scalar(select(func.count()).select_from(JobAd)) or 0) == before

    # the corrected file: three new ads, read as they will be saved
    choose_file(page, "april.csv", GOOD_FILE)
    expect(page.locator("#problems")).to_have_count(0)
    expect(page.locator(".figure", has_text="new")).to_contain_text("3")
    expect(page.locator("table.sample tbody tr")).to_have_count(3)
    expect(page.locator("table.sample tbody tr").nth(1)).to_contain_text("FR")

    page.get_by_role("button", name="Import 3 job ads").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("Imported 3 job ads", timeout=120_000)  # the first import loads the model
    expect(page.locator("#history")).to_contain_text("april.csv")

    # the demand page shows what the ads ask for
    result.get_by_role("link", name="See the skills in demand").click()
    expect(page.get_by_role("heading", name="Skills in demand")).to_be_visible()
    expect(page.locator("main table").first).to_contain_text("battery management systems")

    # the database: the three ads once each, with the skills found in them
    db.expire_all()
    ads = db.scalars(select(JobAd).where(JobAd.external_id.like("walk-%")).order_by(JobAd.external_id)).all()
    assert [(a.external_id, a.country, a.source) for a in ads] == [
        ("walk-1", "DE", "april.csv"),
        ("walk-2", "FR", "april.csv"),
        ("walk-3", "RO", "april.csv"),
    ]
    assert (db.scalar(select(func.count()).select_from(JobAd)) or 0) == before + 3
    found = set(
        db.scalars(
            select(Skill.preferred_label)
            .join(JobAdSkill, JobAdSkill.skill_id == Skill.id)
            .where(JobAdSkill.job_ad_id.in_([a.id for a in ads]))
        )
    )
    assert "battery management systems" in found
    assert re.search(r"/intelligence/demand\?start=\d{4}-\d{2}-\d{2}&end=2026-06-01", page.url)


def classified_file(rows: list[dict[str, object]]) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from skillatlas.intelligence import scale

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=scale.output_schema(False)), buffer)
    return buffer.getvalue()


def test_the_office_loads_classified_job_ads_as_monthly_counts(
    live_server: str, page: Page, esco: None, db: Session
) -> None:
    """Files from `classify-ads` (millions of ads on a cluster) are loaded from the import page: a wrong file
    is named beside the field and nothing is loaded; the right files count on the demand page."""
    import datetime as dt

    from skillatlas.intelligence.demand_models import DemandFile

    bms = db.scalar(select(Skill.uri).where(Skill.preferred_label == "battery management systems"))
    rows = [
        {"id": f"c-{i}", "date": dt.date(2026, 3, 1 + i % 28), "country": "DE", "occupation_uri": None,
         "skills": [{"uri": bms, "score": 1.3}]}
        for i in range(40)
    ]  # fmt: skip
    parts = [
        {"name": "part-00000-000000.parquet", "mimeType": "application/octet-stream",
         "buffer": classified_file(rows[:25])},
        {"name": "part-00000-000001.parquet", "mimeType": "application/octet-stream",
         "buffer": classified_file(rows[25:])},
    ]  # fmt: skip
    log_in(page, live_server, OFFICE)
    page.locator("summary", has_text="Office").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import job ads").click()
    files = page.get_by_label("Classified job-ad files")

    # a wrong file among them: named beside the field, nothing loaded
    files.set_input_files(
        files=[parts[0], {"name": "notes.parquet", "mimeType": "text/plain", "buffer": b"meeting notes"}]
    )
    page.get_by_role("button", name="Load as monthly counts").click()
    error = page.locator(".field.has-error", has=page.get_by_label("Classified job-ad files"))
    expect(error).to_contain_text("notes.parquet is not a Parquet file")
    db.expire_all()
    assert (db.scalar(select(func.count()).select_from(DemandFile)) or 0) == 0

    # the two parts: loaded, listed, and counted on the demand page
    page.get_by_label("Classified job-ad files").set_input_files(files=parts)
    page.get_by_role("button", name="Load as monthly counts").click()
    result = page.locator("#demand-load-result")
    expect(result).to_contain_text("Loaded 2 files: 40 job ads, 40 skill mentions")
    expect(page.locator("#demand-files")).to_contain_text("part-00000-000001.parquet")
    result.get_by_role("link", name="See the skills in demand").click()
    expect(page.get_by_role("heading", name="Skills in demand")).to_be_visible()
    top = page.locator("main table").first
    expect(top).to_contain_text("battery management systems")
    expect(top.locator("tr", has_text="battery management systems")).to_contain_text("40")
    db.expire_all()
    assert (db.scalar(select(func.count()).select_from(DemandFile)) or 0) == 2


def test_many_classified_ads_load_in_the_background_with_their_progress(
    live_server: str,
    page: Page,
    esco: None,
    db: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An upload of many classified ads goes to the job worker: the page follows the job by itself (htmx) until
    it says what was loaded, and its link leads to the demand page."""
    import datetime as dt

    from skillatlas.jobs import queue
    from skillatlas.jobs import service as jobs

    monkeypatch.setattr(jobs, "INLINE_DEMAND_ADS", 30)  # the 40 ads below count as many
    bms = db.scalar(select(Skill.uri).where(Skill.preferred_label == "battery management systems"))
    rows = [
        {"id": f"m-{i}", "date": dt.date(2026, 2, 1 + i % 28), "country": "FR", "occupation_uri": None,
         "skills": [{"uri": bms, "score": 1.1}]}
        for i in range(40)
    ]  # fmt: skip
    queue.queue_for(settings.effective_database_url).flush()
    with queue.start_consumer(settings, sessions):
        log_in(page, live_server, OFFICE)
        page.goto(f"{live_server}/intelligence/job-ads/import")
        expect(page.locator("#demand-load")).to_contain_text(
            "more than 30 job ads in all are loaded in the background"
        )
        page.get_by_label("Classified job-ad files").set_input_files(
            files=[{"name": "february.parquet", "mimeType": "application/octet-stream",
                    "buffer": classified_file(rows)}]
        )  # fmt: skip
        page.get_by_role("button", name="Load as monthly counts").click()
        expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
        expect(
            page.get_by_role("heading", name="Load 40 classified job ads from february.parquet")
        ).to_be_visible()
        result = page.locator("#job-result")  # the progress fragment replaces itself until the job is done
        expect(result).to_contain_text("Loaded 1 file: 40 job ads, 40 skill mentions.", timeout=60_000)
        result.get_by_role("link", name="See the skills in demand").click()
    expect(page.get_by_role("heading", name="Skills in demand")).to_be_visible()
    expect(page.locator("main table").first).to_contain_text("battery management systems")
