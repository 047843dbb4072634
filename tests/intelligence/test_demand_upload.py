"""Classified job ads (classify-ads' Parquet) loaded as demand counts from the import page and the API: all
files or none, each error beside the field, a file loaded before skipped."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.intelligence import demand, scale
from skillatlas.intelligence.demand_models import DemandAds, DemandFile, DemandSkill
from skillatlas.taxonomy.models import Occupation, Skill
from tests.intelligence.test_intelligence import esco  # noqa: F401  (the fixture: a few real ESCO rows)

pytestmark = pytest.mark.usefixtures("esco")


def parquet(rows: list[dict[str, object]], schema: pa.Schema | None = None) -> bytes:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema or scale.output_schema(False)), buffer)
    return buffer.getvalue()


def classified(sessions: sessionmaker[Session], n: int, country: str, day: int) -> bytes:
    with sessions() as db:
        skills = list(db.scalars(select(Skill.uri).order_by(Skill.id).limit(2)))
        occupation = db.scalar(select(Occupation.uri).order_by(Occupation.id))
    return parquet([
        {"id": f"{country}-{i}", "date": dt.date(2026, 3, day), "country": country, "occupation_uri": occupation,
         "skills": [{"uri": uri, "score": 1.2} for uri in skills]}
        for i in range(n)
    ])  # fmt: skip


def counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with sessions() as db:
        return tuple(  # type: ignore[return-value]
            db.scalar(select(func.count()).select_from(model)) or 0
            for model in (DemandFile, DemandAds, DemandSkill)
        )


def post_page(client: TestClient, files: list[tuple[str, bytes]]):
    return client.post(
        "/intelligence/demand-files",
        files=[("files", (name, content, "application/vnd.apache.parquet")) for name, content in files],
    )


def test_the_office_loads_classified_files_from_the_import_page(
    office_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = office_client.get("/intelligence/job-ads/import")
    assert "Load classified job ads as monthly counts" in page.text and 'name="files"' in page.text
    march = {"start": "2026-03-01", "end": "2026-03-31"}
    before = office_client.get("/api/intelligence/demand", params=march).json()["total_ads"]

    files = [("part-00000-000000.parquet", classified(sessions, 6, "DE", 2)),
             ("part-00000-000001.parquet", classified(sessions, 4, "FR", 9))]  # fmt: skip
    loaded = post_page(office_client, files)
    assert loaded.status_code == 200, loaded.text
    assert (
        "Loaded 2 files" in loaded.text and "10 job ads" in loaded.text and "20 skill mentions" in loaded.text
    )
    assert "part-00000-000001.parquet" in loaded.text  # in the table of loaded files
    assert office_client.get("/api/intelligence/demand", params=march).json()["total_ads"] == before + 10
    assert counts(sessions)[0] == 2

    again = post_page(office_client, files)  # the same files: nothing changes
    assert again.status_code == 200
    assert "Loaded 0 files" in again.text and "2 files were loaded before" in again.text
    assert counts(sessions)[0] == 2
    assert office_client.get("/api/intelligence/demand", params=march).json()["total_ads"] == before + 10


# classify-ads' columns, but the date as text (a file written by another tool)
DATES_AS_TEXT = pa.schema([
    ("id", pa.string()), ("date", pa.string()), ("country", pa.string()), ("occupation_uri", pa.string()),
    ("skills", pa.list_(pa.struct([("uri", pa.string()), ("score", pa.float64())]))),
])  # fmt: skip
WRONG_FILES = [
    ("notes.parquet", b"not parquet at all", "notes.parquet is not a Parquet file"),
    ("empty.parquet", b"", "empty.parquet is not a Parquet file"),
    (
        "dates.parquet",
        parquet(
            [{"id": "x", "date": "2026-03-01", "country": "DE", "occupation_uri": None, "skills": []}],
            DATES_AS_TEXT,
        ),
        "dates.parquet is not a classify-ads output: its column date does not hold dates",
    ),
    (
        "ads.parquet",
        parquet([{"id": "x", "title": "Welder"}], pa.schema([("id", pa.string()), ("title", pa.string())])),
        "it has no column date; it has no column country",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), WRONG_FILES)
def test_a_wrong_file_loads_nothing_and_is_named_beside_the_field(
    office_client: TestClient, sessions: sessionmaker[Session], name: str, content: bytes, message: str
) -> None:
    good = ("good.parquet", classified(sessions, 3, "DE", 2))
    response = post_page(office_client, [good, (name, content)])
    assert response.status_code == 422
    assert 'class="field has-error"' in response.text and message in response.text
    assert "Traceback" not in response.text
    assert counts(sessions) == (0, 0, 0)  # the good file was not loaded either


def test_no_file_chosen_is_said_beside_the_field(office_client: TestClient) -> None:
    response = office_client.post("/intelligence/demand-files", data={})
    assert response.status_code == 422
    assert "choose one or more .parquet files" in response.text


def test_an_upload_past_its_limit_is_refused_before_any_row_is_read(
    office_client: TestClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demand, "MAX_UPLOAD_ADS", 5)
    response = post_page(office_client, [("a.parquet", classified(sessions, 3, "DE", 2)),
                                         ("b.parquet", classified(sessions, 3, "FR", 2))])  # fmt: skip
    assert response.status_code == 413
    assert "6 job ads in one upload; at most 5" in response.text and "load-demand" in response.text
    assert counts(sessions) == (0, 0, 0)


def test_the_api_loads_the_same_files_and_says_what_it_did(
    office_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    files = [("files", ("p1.parquet", classified(sessions, 6, "DE", 2), "application/octet-stream")),
             ("files", ("p2.parquet", classified(sessions, 4, "FR", 9), "application/octet-stream"))]  # fmt: skip
    response = office_client.post("/api/intelligence/demand-files", files=files)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "files": 2, "loaded": 2, "already_loaded": 0, "ads": 10, "skill_links": 20, "unknown_skills": 0,
        "names": ["p1.parquet", "p2.parquet"],
    }  # fmt: skip
    again = office_client.post("/api/intelligence/demand-files", files=files).json()
    assert (again["loaded"], again["already_loaded"]) == (0, 2)
    bad = office_client.post(
        "/api/intelligence/demand-files",
        files=[("files", ("x.parquet", b"nope", "application/octet-stream"))],
    )
    assert bad.status_code == 422 and bad.json()["field"] == "files"
    assert counts(sessions)[0] == 2


def test_a_visitor_or_a_worker_cannot_load(client: TestClient, sessions: sessionmaker[Session]) -> None:
    response = client.post(
        "/api/intelligence/demand-files",
        files=[("files", ("p.parquet", classified(sessions, 1, "DE", 2), "application/octet-stream"))],
    )
    assert response.status_code in (401, 403)
    assert counts(sessions) == (0, 0, 0)
