"""Demand aggregates: classified job ads (`scale.classify_ads`' Parquet) loaded as counts per skill x
occupation x country x month, and the reads the demand report adds to its ad-level counts.

A loaded file is remembered by the SHA-256 of its bytes (`demand_file`), so loading the same files again
changes nothing; all files of one `load_demand` call are loaded in the caller's one transaction. Each
file keeps its own fine rows (skill x occupation x country x month), read for one occupation; a load also
adds its counts to two rollups merged over all files (`demand_skill_month`, `demand_month`: per country, and
over all countries), which the report without an occupation reads: at most a row per skill and month instead
of about 3.5 fine rows per ad (`bench/demand_scale.py`). Rollup rows are upserted in key order, so two loads
at once wait for each other instead of deadlocking.
A file is counted with Arrow and NumPy (`_count`: each distinct value looked up once, keys counted as integers)
and written with COPY on PostgreSQL, one prepared statement on SQLite (`_write`, `_add`).
Months are whole: a month's aggregates count in a period when the month's first day lies in it (the
demand report widens its start to its first month's first day, as its month axis does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import extract, func, select, text
from sqlalchemy.orm import Session

from skillatlas.auth.permissions import Principal, authorize
from skillatlas.errors import InvalidInput, TooLarge
from skillatlas.intelligence import policy  # noqa: F401  (registers the rules)
from skillatlas.intelligence.demand_models import (
    ALL_COUNTRIES,
    DemandAds,
    DemandFile,
    DemandMonth,
    DemandSkill,
    DemandSkillMonth,
)
from skillatlas.taxonomy.models import Occupation, Skill

if TYPE_CHECKING:
    from skillatlas.jobs.models import Job

BATCH = 20_000


@dataclass(slots=True)
class LoadReport:
    files: int = 0
    loaded: int = 0
    already_loaded: int = 0
    ads: int = 0
    skill_links: int = 0
    unknown_skills: int = 0
    names: list[str] = field(default_factory=list)


def demand_files(path: str) -> list[str]:
    """The Parquet files of a path: a classify-ads output (the parts its manifest lists as done), a folder
    of .parquet files, a glob, or one file; local or any fsspec URL."""
    from skillatlas.intelligence import scale

    fs, local = scale._fs(path)
    protocol = path.split("://", 1)[0] + "://" if "://" in path else ""
    if fs.isdir(local):
        if fs.exists(f"{local.rstrip('/')}/{scale.MANIFEST}"):
            return [f"{path.rstrip('/')}/{name}" for name in scale.done_parts(path)]
        names = sorted(p for p in fs.find(local) if p.endswith(".parquet"))
    elif any(ch in local for ch in "*?["):
        names = sorted(fs.glob(local))
    elif fs.exists(local):
        names = [local]
    else:
        raise InvalidInput(f"{path}: no such file or directory", field="path")
    return [protocol + n if protocol and not n.startswith(protocol) else n for n in names]


def load_demand(
    *, db: Session, actor: Principal, path: str, progress: Callable[[int], None] | None = None
) -> LoadReport:
    """Loads classified job ads as demand aggregates; files loaded before (same bytes) are skipped."""
    from skillatlas.intelligence import scale

    authorize(actor, "intelligence.job_ads.import")
    files = demand_files(path)
    loader = _Loader(db, LoadReport(files=len(files)), progress)
    for name in files:
        fs, local = scale._fs(name)
        with fs.open(local, "rb") as handle:
            loader.load(name, handle.read())
    return loader.report


#: What one upload (the page, the API) may hold: classified ads in all, and the bytes their columns unpack to.
MAX_UPLOAD_ADS = 500_000
MAX_UPLOAD_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_UPLOAD_FILES = 200


def check_demand_uploads(*, actor: Principal, files: Sequence[tuple[str, bytes]]) -> int:
    """The checks of an upload (name, bytes) made before any row is read: one or more Parquet files with the
    output's columns, their ads and unpacked size within the upload's limits, read from each footer. Returns the
    ads the files hold; errors name the file, on the field `files`."""
    authorize(actor, "intelligence.job_ads.import")  # before reading any file
    if not files:
        raise InvalidInput("files: choose one or more .parquet files written by classify-ads", field="files")
    if len(files) > MAX_UPLOAD_FILES:
        raise TooLarge(f"files: at most {MAX_UPLOAD_FILES} files at once", field="files")
    ads = unpacked = 0
    for name, content in files:
        rows, size = _parquet_size(name, content)
        ads += rows
        unpacked += size
    if ads > MAX_UPLOAD_ADS:
        raise TooLarge(
            f"files: {ads:,} job ads in one upload; at most {MAX_UPLOAD_ADS:,} are loaded from the page or the "
            "API (load more with `skillatlas intelligence load-demand`)",
            field="files",
        )
    if unpacked > MAX_UPLOAD_UNPACKED_BYTES:
        raise TooLarge(
            f"files: the upload unpacks to {unpacked / 2**20:,.0f} MB; at most "
            f"{MAX_UPLOAD_UNPACKED_BYTES // 2**20} MB are read at once",
            field="files",
        )
    return ads


def load_demand_uploads(
    *,
    db: Session,
    actor: Principal,
    files: Sequence[tuple[str, bytes]],
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Loads uploaded classify-ads Parquet files (name, bytes) as demand aggregates, all or none: each file is
    checked first (`check_demand_uploads`), then all are loaded in the caller's transaction; `progress` is called
    once per file."""
    check_demand_uploads(actor=actor, files=files)
    loader = _Loader(db, LoadReport(files=len(files)), progress, field="files")
    for name, content in files:
        loader.load(name, content)
    return loader.report


def submit_load_job(
    *,
    db: Session,
    actor: Principal,
    files: Sequence[tuple[str, bytes]],
    today: dt.date,
    data_dir: Path,
    ads: int | None = None,
) -> Job:
    """An upload checked (`check_demand_uploads`, unless the caller did: `ads`) and handed to the job worker
    (`jobs.runners`), which loads it all or none with its progress on the job's page; queued once the caller's
    transaction commits. The page (many ads) and `POST /api/intelligence/demand-jobs` call it."""
    from skillatlas.jobs import service as jobs

    if ads is None:
        ads = check_demand_uploads(actor=actor, files=files)
    else:
        authorize(actor, "intelligence.job_ads.import")
    return jobs.submit(
        db=db, actor=actor, kind="demand.load", title=f"Load {ads:,} classified job ads from {_files_title(files)}",
        params={"today": today.isoformat(), "ads": ads}, data_dir=data_dir, content=pack_uploads(files),
    )  # fmt: skip


def _files_title(files: Sequence[tuple[str, bytes]]) -> str:
    """The files of an upload in a job's title: the one name, or the first and how many more."""
    if len(files) == 1:
        return files[0][0]
    return f"{files[0][0]} and {len(files) - 1:,} more file{'' if len(files) == 2 else 's'}"


def pack_uploads(files: Sequence[tuple[str, bytes]]) -> bytes:
    """Several uploaded files as one (a zip archive, stored as is: Parquet is compressed already), for a
    background job's one input; `unpack_uploads` gives them back in their order."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, (name, content) in enumerate(files):
            archive.writestr(f"{number:04d}/{name}", content)
    return buffer.getvalue()


def unpack_uploads(content: bytes) -> list[tuple[str, bytes]]:
    """The files `pack_uploads` packed, each with its name as uploaded."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [
                (info.filename.split("/", 1)[-1], archive.read(info))
                for info in sorted(archive.infolist(), key=lambda info: info.filename)
            ]
    except zipfile.BadZipFile as exc:
        raise InvalidInput("files: the job's files are damaged: upload them again", field="files") from exc


_COLUMNS = ("date", "country", "occupation_uri", "skills")


def _parquet_size(name: str, content: bytes) -> tuple[int, int]:
    """The ads and the unpacked bytes of a classified Parquet file, from its footer alone."""
    import io

    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(content)).metadata
    except Exception as exc:  # pyarrow's errors have no common base beyond Exception
        raise InvalidInput(
            f"files: {name} is not a Parquet file (choose the .parquet files that classify-ads wrote)",
            field="files",
        ) from exc
    _check_schema(name, meta.schema.to_arrow_schema(), "files")
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    return meta.num_rows, unpacked


_KINDS = {"date": "dates", "country": "country codes as text", "occupation_uri": "occupations as text"}


def _check_schema(name: str, schema: Any, field: str) -> None:
    """InvalidInput (on `field`) unless the file has classify-ads' columns with their types."""
    import pyarrow as pa

    expected = {f.name: f.type for f in _output_fields()}
    problems = []
    for column in _COLUMNS:
        if column not in schema.names:
            problems.append(f"it has no column {column}")
        elif column == "skills":
            kind = schema.field(column).type
            if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)) or not (
                pa.types.is_struct(kind.value_type) and kind.value_type.get_field_index("uri") >= 0
            ):
                problems.append("its column skills is not a list of skills (uri, score)")
        elif not schema.field(column).type.equals(expected[column]) and not (
            pa.types.is_large_string(schema.field(column).type) and pa.types.is_string(expected[column])
        ):
            problems.append(f"its column {column} does not hold {_KINDS[column]}")
    if problems:
        raise InvalidInput(
            f"{field}: {name} is not a classify-ads output: {'; '.join(problems)}", field=field
        )


def _output_fields() -> Any:
    from skillatlas.intelligence import scale

    return scale.output_schema(False)


class _Loader:
    """Loads files one by one into the caller's transaction, each file's aggregates under its own row."""

    def __init__(
        self,
        db: Session,
        report: LoadReport,
        progress: Callable[[int], None] | None,
        field: str = "path",
    ) -> None:
        self.db = db
        self.field = field
        self.report = report
        self.progress = progress
        self.skill_ids: dict[str, int] | None = None
        self.occupation_ids: dict[str, int] = {}

    def load(self, name: str, content: bytes) -> None:
        import io

        import pyarrow.parquet as pq

        db, report = self.db, self.report
        digest = hashlib.sha256(content).hexdigest()
        if db.scalar(select(DemandFile.id).where(DemandFile.digest == digest)) is not None:
            report.already_loaded += 1
            if self.progress:
                self.progress(1)
            return
        try:
            table = pq.read_table(io.BytesIO(content), columns=list(_COLUMNS))
        except Exception as exc:  # pyarrow's errors have no common base beyond Exception
            raise InvalidInput(
                f"{self.field}: {name} is not a classified job-ads Parquet file ({exc})", field=self.field
            ) from exc
        _check_schema(name, table.schema, self.field)
        if self.skill_ids is None:
            self.skill_ids = dict(db.execute(select(Skill.uri, Skill.id)).all())
            self.occupation_ids = dict(db.execute(select(Occupation.uri, Occupation.id)).all())
        counts = _count(table, self.skill_ids, self.occupation_ids, name, self.field)
        record = DemandFile(
            digest=digest, name=name[-500:], ads=table.num_rows, skill_links=counts.links,
            unknown_skills=counts.unknown,
        )  # fmt: skip
        db.add(record)
        db.flush()
        _write(db, "demand_ads", ["file_id", "occupation_id", "country", "month", "ads"],
               [(record.id, *key, n) for key, n in counts.ads])  # fmt: skip
        _write(db, "demand_skill", ["file_id", "skill_id", "occupation_id", "country", "month", "ads"],
               [(record.id, *key, n) for key, n in counts.skills])  # fmt: skip
        _roll_up(db, counts)
        links, unknown = counts.links, counts.unknown
        report.loaded += 1
        report.ads += table.num_rows
        report.skill_links += links
        report.unknown_skills += unknown
        report.names.append(name)
        if self.progress:
            self.progress(1)


@dataclass(slots=True)
class _Counts:
    """A file's counts: ads per (occupation id or None, country, month) and per (skill id, occupation id or
    None, country, month), and its skill links (one per ad and skill) known and unknown to the taxonomy."""

    ads: list[tuple[tuple[int | None, str, dt.date], int]]
    skills: list[tuple[tuple[int, int | None, str, dt.date], int]]
    links: int
    unknown: int


def _count(
    table: Any, skill_ids: dict[str, int], occupation_ids: dict[str, int], name: str, field: str
) -> _Counts:
    """Counts a file's ads with Arrow and NumPy: every distinct value (country, occupation, skill URI) is looked
    up once, and the keys are counted as integers; a skill named twice in one ad counts once."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    for column in ("date", "country"):
        missing = table.column(column).null_count
        if missing:
            raise InvalidInput(f"{field}: {name}: {missing:,} of its ads have no {column}", field=field)
    if table.num_rows == 0:
        return _Counts([], [], 0, 0)

    def encoded(column: Any) -> tuple[np.ndarray, list[Any]]:
        """Each row's index into the column's distinct values, and those values; a null's index is the number
        of values (one past the last)."""
        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        dictionary = pc.dictionary_encode(array)
        values = dictionary.dictionary.to_pylist()
        indices = dictionary.indices.fill_null(len(values)).to_numpy(zero_copy_only=False).astype(np.int64)
        return indices, values

    months = table.column("date").combine_chunks().to_numpy(zero_copy_only=False).astype("datetime64[M]")
    month_numbers = months.astype(np.int64)
    first_month = int(month_numbers.min())
    month_index = month_numbers - first_month
    country_index, countries = encoded(table.column("country"))
    occupation_index, occupation_uris = encoded(table.column("occupation_uri"))
    occupation_of = np.array([occupation_ids.get(u, -1) for u in occupation_uris] + [-1], dtype=np.int64)
    occupation = occupation_of[occupation_index]  # -1 for none (the extra last entry) or an unknown one
    n_months, n_countries = int(month_index.max()) + 1, len(countries)
    ad_keys, ad_key_of_row, ad_counts = np.unique(
        ((occupation + 1) * n_countries + country_index) * n_months + month_index,
        return_inverse=True, return_counts=True,
    )  # fmt: skip

    def decoded(key: int) -> tuple[int | None, str, dt.date]:
        rest, month = divmod(int(key), n_months)
        occupation_plus_one, country = divmod(rest, n_countries)
        year, month0 = divmod(first_month + month, 12)
        return (occupation_plus_one - 1 if occupation_plus_one else None, countries[country],
                dt.date(1970 + year, month0 + 1, 1))  # fmt: skip

    ad_rows = [decoded(k) for k in ad_keys.tolist()]
    skills = table.column("skills").combine_chunks()
    parents = pc.list_parent_indices(skills).to_numpy(zero_copy_only=False).astype(np.int64)
    uri_index, uris = encoded(pc.list_flatten(skills).field("uri"))
    if len(parents) == 0:
        return _Counts(list(zip(ad_rows, ad_counts.tolist(), strict=True)), [], 0, 0)
    skill_of = np.array([skill_ids.get(u, -1) if u is not None else -1 for u in uris] + [-1], dtype=np.int64)
    # one link per ad and distinct URI
    pairs = np.unique(parents * (len(uris) + 1) + uri_index)
    link_rows, link_uris = np.divmod(pairs, len(uris) + 1)
    skill = skill_of[link_uris]  # a null URI: the extra last entry, -1
    known = skill >= 0
    unknown = int((~known).sum())
    skill, link_rows = skill[known], link_rows[known]
    skill_values, skill_index = np.unique(skill, return_inverse=True)
    fine_keys, fine_counts = np.unique(
        skill_index.astype(np.int64) * len(ad_keys) + ad_key_of_row[link_rows], return_counts=True
    )
    skill_number, ad_key = np.divmod(fine_keys, len(ad_keys))
    skill_rows = [
        ((int(skill_values[s]), *ad_rows[a]), n)
        for s, a, n in zip(skill_number.tolist(), ad_key.tolist(), fine_counts.tolist(), strict=True)
    ]
    return _Counts(list(zip(ad_rows, ad_counts.tolist(), strict=True)), skill_rows, int(known.sum()), unknown)


def _roll_up(db: Session, counts: _Counts) -> None:
    """Adds a file's counts to the rollups merged over all files (per country, and over all countries)."""
    by_month: Counter[tuple[str, dt.date]] = Counter()
    for (_, country, month), n in counts.ads:
        by_month[(country, month)] += n
        by_month[(ALL_COUNTRIES, month)] += n
    by_skill: Counter[tuple[int, str, dt.date]] = Counter()
    for (skill, _, country, month), n in counts.skills:
        by_skill[(skill, country, month)] += n
        by_skill[(skill, ALL_COUNTRIES, month)] += n
    _add(db, "demand_month", ["country", "month"], sorted(by_month.items()))
    _add(db, "demand_skill_month", ["skill_id", "country", "month"], sorted(by_skill.items()))


def _write(db: Session, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Inserts rows (tuples in the order of `columns`): COPY on PostgreSQL, one prepared statement on SQLite."""
    if not rows:
        return
    if db.get_bind().dialect.name == "postgresql":
        from skillatlas.demo.bulk import copy_rows

        copy_rows(db, table, columns, rows)
        return
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    db.connection().exec_driver_sql(statement, [_sqlite_row(row) for row in rows])


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        v.isoformat() if isinstance(v, dt.date) else v for v in row
    )  # as SQLAlchemy's Date stores it


def _add(db: Session, table: str, keys: list[str], counted: list[tuple[tuple[Any, ...], int]]) -> None:
    """Adds each key's count to the rollup's row of that key, or inserts it (an upsert). The keys come sorted,
    so two loads at once lock rows in the same order. PostgreSQL: COPY into a temporary table, then one
    INSERT ... SELECT ... ON CONFLICT."""
    if not counted:
        return
    columns = [*keys, "ads"]
    update = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET ads = {table}.ads + excluded.ads"
    if db.get_bind().dialect.name == "postgresql":
        from skillatlas.demo.bulk import copy_rows

        staging = f"{table}_in"
        db.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DROP"))
        db.execute(text(f"TRUNCATE {staging}"))
        copy_rows(db, staging, columns, ((*key, n) for key, n in counted))
        db.execute(text(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {staging} "
            f"ORDER BY {', '.join(keys)} {update}"
        ))  # fmt: skip
        return
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) {update}"
    )
    db.connection().exec_driver_sql(statement, [_sqlite_row((*key, n)) for key, n in counted])


def loaded_files(db: Session, limit: int = 50) -> list[DemandFile]:
    """The aggregate files loaded, newest first (the import page lists them)."""
    return list(
        db.scalars(
            select(DemandFile).order_by(DemandFile.loaded_at.desc(), DemandFile.id.desc()).limit(limit)
        )
    )


# --- reads for the demand report -----------------------------------------------------------------


def _filters(
    model: Any, start: dt.date, end: dt.date, country: str | None, occupation_id: int | None
) -> list[Any]:
    filters = [model.month >= start, model.month <= end]
    if country:
        filters.append(model.country == country.upper())
    if occupation_id is not None:
        filters.append(model.occupation_id == occupation_id)
    return filters


def _rolled(
    model: Any, start: dt.date, end: dt.date, country: str | None, occupation_id: int | None
) -> tuple[Any, list[Any]]:
    """The table a read sums and its filters: a rollup without an occupation (one country, or all countries'
    rows), the files' fine rows with one."""
    if occupation_id is not None:
        return model, _filters(model, start, end, country, occupation_id)
    rollup = DemandMonth if model is DemandAds else DemandSkillMonth
    where = country.upper() if country else ALL_COUNTRIES
    return rollup, [rollup.month >= start, rollup.month <= end, rollup.country == where]


def total_ads(
    db: Session, start: dt.date, end: dt.date, country: str | None, occupation_id: int | None
) -> int:
    """Aggregated ads whose month begins in [start, end]."""
    table, filters = _rolled(DemandAds, start, end, country, occupation_id)
    return int(db.scalar(select(func.coalesce(func.sum(table.ads), 0)).where(*filters)) or 0)


def ads_per_skill(
    db: Session, start: dt.date, end: dt.date, country: str | None, occupation_id: int | None,
    skill_ids: Sequence[int] | None = None,
) -> dict[int, int]:  # fmt: skip
    """skill id -> aggregated ads asking for it (ids only: the report names the few skills it shows)."""
    table, filters = _rolled(DemandSkill, start, end, country, occupation_id)
    if skill_ids is not None:
        filters.append(table.skill_id.in_(list(skill_ids)))
    rows = db.execute(select(table.skill_id, func.sum(table.ads)).where(*filters).group_by(table.skill_id))
    return {int(i): int(n) for i, n in rows}


def monthly_ads(
    db: Session, start: dt.date, end: dt.date, country: str | None, occupation_id: int | None
) -> dict[tuple[int, int], int]:
    table, filters = _rolled(DemandAds, start, end, country, occupation_id)
    year, month = extract("year", table.month), extract("month", table.month)
    return {(int(y), int(m)): int(n) for y, m, n in db.execute(
        select(year, month, func.sum(table.ads)).where(*filters).group_by(year, month)
    )}  # fmt: skip


def monthly_skill_ads(
    db: Session, start: dt.date, end: dt.date, country: str | None, occupation_id: int | None,
    skill_ids: Sequence[int],
) -> dict[tuple[int, int, int], int]:  # fmt: skip
    table, filters = _rolled(DemandSkill, start, end, country, occupation_id)
    year, month = extract("year", table.month), extract("month", table.month)
    return {(int(s), int(y), int(m)): int(n) for s, y, m, n in db.execute(
        select(table.skill_id, year, month, func.sum(table.ads))
        .where(*filters, table.skill_id.in_(list(skill_ids)))
        .group_by(table.skill_id, year, month)
    )}  # fmt: skip
