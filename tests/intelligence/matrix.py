"""Market intelligence's permission-matrix entries: job-ad import for the office and managers, the rest public."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.intelligence import importing
from tests.auth.matrix_support import ALL_ROLES, EVERYONE, STAFF, USERS, Case, World, fixed, public
from tests.conftest import NOW
from tests.taxonomy.matrix import ensure_esco


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    ensure_esco(world, sessions)  # extraction and job titles need skills and occupations
    # The import page imports a file checked before: each user has one kept (a visitor has none).
    uploads = importing.uploads_dir(world.clients["anonymous"].app.state.settings.data_dir)
    world.extra["job_ad_uploads"] = {
        role: importing.keep_upload(
            uploads,
            user_id=world.user_ids[role],
            filename=f"kept-{role}.csv",
            content=_ads(role, world)["file"][1],
            now=NOW,
        )
        for role in ALL_ROLES
        if role in world.user_ids
    }


def _ads(role: str, world: World) -> dict[str, tuple[str, bytes, str]]:
    csv = f'id,date,country,title,text\n"m-{role}","2026-01-10","DE","Battery engineer","Battery design."\n'
    return {"file": (f"ads-{role}.csv", csv.encode(), "text/csv")}


def _classified(role: str, world: World) -> dict[str, tuple[str, bytes, str]]:
    import datetime as dt
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from skillatlas.intelligence import scale

    row = {
        "id": f"c-{role}",
        "date": dt.date(2026, 1, 10),
        "country": "DE",
        "occupation_uri": None,
        "skills": [],
    }
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([row], schema=scale.output_schema(False)), buffer)
    return {"files": (f"classified-{role}.parquet", buffer.getvalue(), "application/octet-stream")}


ENTRIES: dict[tuple[str, str], Case] = {
    # Any organisation's manager imports (the rule is "a manager of some member"), ORG_X's included.
    ("POST", "/api/intelligence/job-ads"): Case(STAFF, fixed("/api/intelligence/job-ads"), files=_ads),
    ("POST", "/api/intelligence/extract"): Case(
        EVERYONE,
        fixed("/api/intelligence/extract"),
        json=lambda role, w: {"text": "battery design", "top": 3},
    ),
    ("GET", "/api/intelligence/job-titles"): public("/api/intelligence/job-titles?title=security%20admin"),
    ("GET", "/api/intelligence/demand"): public("/api/intelligence/demand"),
    ("GET", "/intelligence/extract"): public("/intelligence/extract"),
    ("POST", "/intelligence/extract"): Case(
        EVERYONE, fixed("/intelligence/extract"), form=lambda role, w: {"text": "battery design"}
    ),
    ("GET", "/intelligence/demand"): public("/intelligence/demand"),
    # The import page: a check of the file (nothing saved), then the import of the file kept for its user.
    ("GET", "/intelligence/job-ads/import"): Case(STAFF, fixed("/intelligence/job-ads/import")),
    ("GET", "/intelligence/job-ads/template.csv"): public("/intelligence/job-ads/template.csv"),
    ("POST", "/intelligence/job-ads/preview"): Case(
        STAFF, fixed("/intelligence/job-ads/preview"), files=_ads
    ),
    ("POST", "/intelligence/job-ads/import"): Case(
        STAFF,
        fixed("/intelligence/job-ads/import"),
        form=lambda role, w: {"token": w.extra["job_ad_uploads"].get(role, "")},
    ),
    # Classified job ads (classify-ads' Parquet) loaded as demand counts: who imports job ads.
    ("POST", "/api/intelligence/demand-files"): Case(
        STAFF, fixed("/api/intelligence/demand-files"), files=_classified
    ),
    ("POST", "/api/intelligence/demand-jobs"): Case(
        STAFF, fixed("/api/intelligence/demand-jobs"), files=_classified, ok=frozenset({202})
    ),
    ("POST", "/intelligence/demand-files"): Case(
        STAFF, fixed("/intelligence/demand-files"), files=_classified
    ),
    # Everyone with an account adds skills to their own profile; a visitor is sent to log in.
    ("POST", "/intelligence/extract/accept"): Case(
        USERS,
        fixed("/intelligence/extract/accept"),
        form=lambda role, w: {"skill": w.extra["skill_uri"], "level": "awareness"},
    ),
}
