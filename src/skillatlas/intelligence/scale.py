"""Job ads classified at scale: skills and occupation per ad, in chunks, locally or on a Dask cluster.

`classify_ads` plans the input (JSON lines or Parquet files, local paths or any fsspec URL) into chunks of
at most `chunk_size` ads, classifies each chunk with the same extractor as the job-ads import (the bundled
ESCO skills, `extraction.default_settings`, the import's `service.confident` cut) and writes one Parquet
file per chunk (`part-FFFFF-CCCCCC.parquet`: input file number, chunk number), written under a temporary
name and renamed, so a part file is whole or absent. The driver alone writes `_manifest.json` (the plan's
fingerprint and the chunks done, rewritten atomically after each chunk), so a killed run, started again
with the same arguments, classifies only the chunks the manifest lacks: no ad is lost and none is written
twice (a chunk finished but not yet in the manifest is classified again into the same name).

Engines: `local` (in this process) and `dask` (`distributed`: a `LocalCluster` of `workers` processes, or
an existing scheduler at `address`). Both run the same `classify_chunk`, so the rows are identical whatever
the engine and the number of workers. The classifier (extractor and occupation index) is built once per
worker process (`classifier()`, cached), never once per ad; the driver builds it first, so the embedding
cache on disk is complete before any worker reads it; it also sets the C heap's thresholds back to glibc's
own (`heap_for_numpy`: Dask's workers start with a setting that made them a quarter slower). Within a chunk the ads go through it `ADS_PER_BATCH`
at a time (`SkillExtractor.extract_many`): each distinct sentence and clause of a batch is embedded and
scored once, in one encoder call and one dense product per block of queries, instead of once per ad.

On a cluster of several machines (`--address`), the driver and the workers must see the same input and
output: a folder they all share or an fsspec URL. A local output path is made absolute on the driver (a
worker's working directory is not the driver's), and a worker writes a part only into a folder that holds the
run's manifest (`check_run_folder`): one that does not see the driver's folder says so, naming its host,
instead of writing parts nobody reads. Each machine's workers use the data folder of their own settings for
the embedding cache and the shared files (`ClassifierConfig.machine_data`, as the command sets it).
`tests/intelligence/test_scale_machines.py` runs the command on workers in network namespaces of their own.

Dask rather than Ray: pure-Python wheels (`dask`, `distributed`) that install anywhere the app does, a
small footprint, and a scheduler that runs embedded in the process (`LocalCluster`) for tests and laptops,
or joins a cluster with one address.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from skillatlas.errors import InvalidInput

#: Ads per chunk (one output file each) unless the caller says otherwise.
DEFAULT_CHUNK_SIZE = 5_000
MANIFEST = "_manifest.json"
#: The import's default (`service.import_job_ads`): skills kept per ad; its confidence cut is the
#: extractor's own (`service.demand_cut`).
TOP = 15
#: Ads classified together within a chunk (`classify_rows`): enough sentences to fill the encoder's
#: micro-batches and the dense product's blocks, few enough to keep a batch's scores small (~30 MB).
#: Cut from the chunk's start, so the batches, and with them the rows, are the same on every engine.
ADS_PER_BATCH = 256


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of ads in one input file: rows [start, start + count), beginning at byte `offset` (JSON lines)."""

    url: str
    file_number: int
    number: int
    kind: str  # "jsonl" or "parquet"
    start: int
    count: int
    offset: int = 0
    row_group: int = -1

    @property
    def name(self) -> str:
        return f"part-{self.file_number:05d}-{self.number:06d}.parquet"


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """What a worker needs to build the classifier: the embedding backend and where its cache lives."""

    backend: str
    cache_dir: str | None
    evidence: bool = False
    #: The extraction model's identity (`model_identity`), set by the driver; a worker refuses another.
    model: str = ""
    #: A data directory the workers of one machine share: they map the encoder's weights and the skill and
    #: occupation vectors from its `shared/` files (search/shared.py) instead of each holding a copy. None, or
    #: a directory a worker cannot write: each worker keeps its own. Not part of a run's identity.
    shared_dir: str | None = None
    #: Each process takes the cache and shared folders from its own settings (`SKILLATLAS_DATA_DIR` where it
    #: runs) instead of `cache_dir` and `shared_dir`: the driver's folders mean nothing on another machine.
    machine_data: bool = False

    def folders(self) -> tuple[Path | None, Path | None]:
        """(cache folder, shared data folder) of this process."""
        if self.machine_data:
            from skillatlas.config import get_settings

            data = get_settings().data_dir.expanduser().resolve()
            return data / "embeddings", data
        return (
            Path(self.cache_dir) if self.cache_dir else None,
            Path(self.shared_dir) if self.shared_dir else None,
        )


def model_identity(backend: str) -> str:
    """The extraction settings and the embedding model (the trained model's name carries its weights'
    digest) and the encoder's forward pass: part of a run's fingerprint, so a resumed run never mixes two
    models' output."""
    from skillatlas.intelligence.extraction import default_settings, extraction_backend
    from skillatlas.search.token_tables import PASS_NAME

    settings = default_settings(backend)
    return f"{extraction_backend(settings.backend).name}|{settings!r}|{PASS_NAME}"


@dataclass(slots=True)
class RunReport:
    chunks: int
    skipped: int
    ads: int
    rejected: int
    output: str
    engine: str
    workers: int
    seconds: float


# --- planning ----------------------------------------------------------------------------------


def _fs(url: str) -> tuple[Any, str]:
    from fsspec.core import url_to_fs

    return url_to_fs(url)


def input_files(inputs: Sequence[str]) -> list[str]:
    """The input files, in a stable order: each input is a file, a directory (its .jsonl/.parquet) or a glob."""
    found: list[str] = []
    for given in inputs:
        fs, path = _fs(given)
        protocol = given.split("://", 1)[0] + "://" if "://" in given else ""
        if any(ch in path for ch in "*?["):
            paths = sorted(fs.glob(path))
        elif fs.isdir(path):
            paths = sorted(p for p in fs.find(path) if p.endswith((".jsonl", ".ndjson", ".json", ".parquet")))
        elif fs.exists(path):
            paths = [path]
        else:
            raise InvalidInput(f"{given}: no such file or directory", field="input")
        found.extend(protocol + p if protocol and not p.startswith(protocol) else p for p in paths)
    if not found:
        raise InvalidInput("no job-ad files (.jsonl or .parquet) in the input", field="input")
    return found


def _kind(url: str) -> str:
    return "parquet" if url.lower().endswith((".parquet", ".pq")) else "jsonl"


def plan(files: Sequence[str], chunk_size: int) -> list[Chunk]:
    """Every input file cut into chunks of at most `chunk_size` ads, in file and row order."""
    chunks: list[Chunk] = []
    for file_number, url in enumerate(files):
        fs, path = _fs(url)
        number = 0
        if _kind(url) == "parquet":
            import pyarrow.parquet as pq

            with fs.open(path, "rb") as handle:
                meta = pq.ParquetFile(handle).metadata
            start = 0
            for group in range(meta.num_row_groups):
                rows = meta.row_group(group).num_rows
                for first in range(0, rows, chunk_size):
                    count = min(chunk_size, rows - first)
                    chunks.append(Chunk(url, file_number, number, "parquet", start + first, count,
                                        offset=first, row_group=group))  # fmt: skip
                    number += 1
                start += rows
            continue
        offset = position = count = start = 0
        with fs.open(path, "rb") as handle:
            for line in handle:
                if line.strip():
                    if count == 0:
                        offset, start = position, start
                    count += 1
                    if count == chunk_size:
                        chunks.append(Chunk(url, file_number, number, "jsonl", start, count, offset))
                        number += 1
                        start += count
                        count = 0
                position += len(line)
        if count:
            chunks.append(Chunk(url, file_number, number, "jsonl", start, count, offset))
    return chunks


def plan_fingerprint(chunks: Sequence[Chunk], config: ClassifierConfig) -> str:
    """Identifies a run: the same inputs cut the same way, classified the same way."""
    identity = asdict(replace(config, shared_dir=None))
    digest = hashlib.sha256(json.dumps([identity, [asdict(c) for c in chunks]]).encode())
    return digest.hexdigest()


# --- reading a chunk ---------------------------------------------------------------------------


def read_chunk(chunk: Chunk) -> list[dict[str, Any]]:
    """The raw rows of a chunk."""
    try:
        return _read_chunk(chunk)
    except FileNotFoundError as exc:
        raise InvalidInput(
            f"input: {chunk.url} cannot be read on {socket.gethostname()} ({exc}): on a cluster of several "
            "machines, give input every worker reads (a shared folder, or an fsspec URL such as s3://...)",
            field="input",
        ) from exc


def _read_chunk(chunk: Chunk) -> list[dict[str, Any]]:
    fs, path = _fs(chunk.url)
    if chunk.kind == "parquet":
        import pyarrow.parquet as pq

        with fs.open(path, "rb") as handle:
            table = pq.ParquetFile(handle).read_row_group(chunk.row_group)
        return table.slice(chunk.offset, chunk.count).to_pylist()
    rows: list[dict[str, Any]] = []
    with fs.open(path, "rb") as handle:
        handle.seek(chunk.offset)
        for line in handle:
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                value = {"_error": f"not JSON ({exc.msg})"}
            rows.append(value if isinstance(value, dict) else {"_error": "not a JSON object"})
            if len(rows) == chunk.count:
                break
    return rows


# --- classifying -------------------------------------------------------------------------------


class ChunkQueryCache:
    """An embedding backend that keeps query vectors for one chunk only, then forgets them (`reset`).

    A query's vector depends slightly on the batch it was embedded in (padding), so a process-wide cache
    of query vectors makes an ad's skills depend on the ads the process saw before, that is on the engine
    and the workers. Kept per chunk, they depend on the chunk alone, which is the same on every engine.
    No `__weakref__`: `search.backends.embed_queries` keeps no cache of its own for such a backend."""

    __slots__ = ("base", "dim", "name", "vectors")
    LIMIT = 20_000

    def __init__(self, base: Any) -> None:
        self.base, self.name, self.dim = base, base.name, base.dim
        self.vectors: dict[str, Any] = {}

    def embed(self, texts: list[str], *, role: str = "passage") -> Any:
        import numpy as np

        if role != "query":
            return self.base.embed(texts, role=role)
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if len(self.vectors) + len(missing) > self.LIMIT:
            self.reset()
            missing = list(dict.fromkeys(texts))
        if missing:
            self.vectors.update(zip(missing, self.base.embed(missing, role="query"), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.vectors[t] for t in texts])

    def reset(self) -> None:
        self.vectors.clear()


class AdClassifier:
    """The skill extractor of every other door plus the occupation matcher, over the bundled ESCO.

    Occupations: a hybrid index over each bundled ESCO occupation's preferred and alternative labels and
    the first sentence of its description, the title matched as the job-ads import does it
    (`engine.IntelligenceEngine.classify_job_title`): the best hit, if it shares a word with the title."""

    def __init__(self, config: ClassifierConfig) -> None:
        from skillatlas.intelligence.extraction import (
            SkillExtractor,
            bundled_skill_records,
            default_settings,
            extraction_backend,
        )
        from skillatlas.search.backends import get_backend, share_weights
        from skillatlas.search.cache import EmbeddingCache
        from skillatlas.search.index import HybridIndex
        from skillatlas.search.shared import space
        from skillatlas.search.token_tables import with_token_tables
        from skillatlas.taxonomy.bundle import load_occupations

        self.config = config
        cache_dir, shared_dir = config.folders()
        self.cache = EmbeddingCache(cache_dir)
        settings = default_settings(config.backend)
        models = (extraction_backend(settings.backend), get_backend(config.backend))
        for model in models:
            share_weights(model, shared_dir)
        # the encoder with token tables (search/token_tables.py): the same vectors, in about half the time
        models = (with_token_tables(models[0]), with_token_tables(models[1]))
        self.backends = (ChunkQueryCache(models[0]), ChunkQueryCache(models[1]))
        self.extractor = SkillExtractor(
            bundled_skill_records(), settings=settings, backend=self.backends[0], cache=self.cache,
            shared=space(shared_dir, f"classify-skills-{config.backend}"),
        )  # fmt: skip
        self.occupations = HybridIndex(
            self.backends[1],
            cache=self.cache,
            shared=space(shared_dir, f"classify-occupations-{config.backend}"),
        )
        self.occupations.add(
            (o.uri, [o.preferred_label, *o.alt_labels, (o.description or "").split(". ")[0]])
            for o in load_occupations("occupation")
        )

    def occupations_of(self, titles: Sequence[str]) -> list[str | None]:
        """Each title's occupation; the distinct titles are matched together, in one embedding call."""
        distinct = list(dict.fromkeys(titles))
        best = {
            title: hits[0].id if hits and hits[0].lexical_score > 0 else None
            for title, hits in zip(distinct, self.occupations.search_batch(distinct, 1), strict=True)
        }
        return [best[title] for title in titles]

    def skills_of(self, ads: Sequence[tuple[str, str]]) -> list[list[dict[str, Any]]]:
        """Each (title, text) ad's skills, extracted together (`SkillExtractor.extract_many`)."""
        found = self.extractor.extract_many([f"{title}.\n{text}" for title, text in ads], k=TOP)
        return [self._kept(skills) for skills in found]

    def _kept(self, found: list[Any]) -> list[dict[str, Any]]:
        from skillatlas.intelligence.service import confident, demand_cut

        # the import's cut: the extractor's own floor and share of the best score
        found = confident(found, *demand_cut(self.extractor))
        seen: set[str] = set()
        skills = []
        for skill in found:
            if skill.uri in seen:
                continue
            seen.add(skill.uri)
            entry: dict[str, Any] = {"uri": skill.uri, "score": float(skill.score)}
            if self.config.evidence:
                entry["evidence"] = skill.evidence[:2000]
            skills.append(entry)
        return skills


def classifier(config: ClassifierConfig) -> AdClassifier:
    """The classifier of this process (one per worker): built at its first chunk, then reused."""
    return _classifier(replace(config, model=""))  # the model's identity is checked, not a cache key


@cache
def _classifier(config: ClassifierConfig) -> AdClassifier:
    heap_for_numpy()
    return AdClassifier(config)


#: glibc's own defaults once a program has freed a large block: blocks below 32 MiB come from the heap.
MMAP_THRESHOLD = 32 << 20


def heap_for_numpy() -> bool:
    """Lets this process reuse the heap for the model's large temporary arrays, as glibc does by default.

    Dask's nanny starts workers with `MALLOC_TRIM_THRESHOLD_=65536`, and setting any malloc threshold turns
    off glibc's dynamic one: every array of over 128 KiB (the encoder's activations, a batch's scores) is
    then mapped and unmapped afresh, its pages faulted in and zeroed each time; a worker classified ads about
    a quarter slower than one process (28 against 37 ads a second on this machine). Called once per process
    that classifies, on any engine; a no-op where the C library is not glibc. Returns whether it applied."""
    import contextlib
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(name)
        # M_MMAP_THRESHOLD (-3) and M_TRIM_THRESHOLD (-1), at the ceiling glibc's dynamic rule reaches
        return bool(libc.mallopt(-3, MMAP_THRESHOLD)) and bool(libc.mallopt(-1, 2 * MMAP_THRESHOLD))
    return False


def output_schema(evidence: bool) -> Any:
    import pyarrow as pa

    fields = [pa.field("uri", pa.string()), pa.field("score", pa.float64())]
    if evidence:
        fields.append(pa.field("evidence", pa.string()))
    return pa.schema([
        pa.field("id", pa.string()),
        pa.field("date", pa.date32()),
        pa.field("country", pa.string()),
        pa.field("occupation_uri", pa.string()),
        pa.field("skills", pa.list_(pa.struct(fields))),
    ])  # fmt: skip


def classify_rows(
    rows: Sequence[dict[str, Any]], config: ClassifierConfig
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each valid ad's output row, in input order, and a problem per rejected row."""
    from pydantic import ValidationError

    from skillatlas.intelligence.schemas import JobAdIn
    from skillatlas.validation import field_and_message

    if config.model and model_identity(config.backend) != config.model:
        raise InvalidInput(
            "this worker's extraction model differs from the driver's: install the same SkillAtlas everywhere",
            field="model",
        )
    model = classifier(config)
    for backend in model.backends:  # each chunk starts afresh: its rows depend on it alone
        backend.reset()
    ads: list[Any] = []
    problems: list[str] = []
    for row in rows:
        if "_error" in row:
            problems.append(str(row["_error"]))
            continue
        try:
            ad = JobAdIn.model_validate(row)
        except ValidationError as exc:
            field, message = field_and_message(exc.errors()[0])
            problems.append(f"id {row.get('id')!r}: {field}: {message}")
            continue
        if not ad.id:
            problems.append("a row without an id")
            continue
        ads.append(ad)
    out: list[dict[str, Any]] = []
    # Ads go through the model a batch at a time: one embedding call and one pass over the skills' vectors
    # per block of sentences, instead of one per ad (memory stays bounded whatever the chunk size).
    for start in range(0, len(ads), ADS_PER_BATCH):
        batch = ads[start : start + ADS_PER_BATCH]
        occupations = model.occupations_of([ad.title for ad in batch])
        skills = model.skills_of([(ad.title, ad.text) for ad in batch])
        out.extend(
            {
                "id": ad.id,
                "date": ad.date,
                "country": ad.country,
                "occupation_uri": occupation,
                "skills": found,
            }
            for ad, occupation, found in zip(batch, occupations, skills, strict=True)
        )
    return out, problems


def _write_atomically(url: str, data: bytes) -> None:
    fs, path = _fs(url)
    temporary = f"{path}.tmp-{uuid.uuid4().hex}"
    from fsspec.implementations.local import LocalFileSystem

    if isinstance(fs, LocalFileSystem):
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        return
    with fs.open(temporary, "wb") as handle:  # object stores: an upload is whole or absent anyway
        handle.write(data)
    fs.mv(temporary, path)


def classify_chunk(chunk: Chunk, output: str, config: ClassifierConfig, run: str = "") -> dict[str, Any]:
    """Classifies one chunk and writes its Parquet file under its final name; runs on a worker. `run`: the
    plan's fingerprint, which the run's folder must hold (`check_run_folder`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if run:
        check_run_folder(output, run)
    rows, problems = classify_rows(read_chunk(chunk), config)
    table = pa.Table.from_pylist(rows, schema=output_schema(config.evidence))
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    try:
        _write_atomically(f"{output.rstrip('/')}/{chunk.name}", buffer.getvalue())
    except OSError as exc:
        raise InvalidInput(f"output: cannot write {chunk.name} into {output} on {socket.gethostname()} ({exc})",
                           field="output") from exc  # fmt: skip
    return {"name": chunk.name, "ads": len(rows), "rejected": len(problems), "problems": problems[:5]}


# --- the run -----------------------------------------------------------------------------------


#: The run a worker process has seen in its output folder: (output, plan fingerprint).
_SEEN_RUNS: set[tuple[str, str]] = set()


def check_run_folder(output: str, run: str) -> None:
    """Refuses to classify into a folder that does not hold this run's manifest: a worker on another machine
    that does not share the driver's folder would write its parts where nobody reads them, and the driver
    would count them done. Read once per worker process and run."""
    if (output, run) in _SEEN_RUNS:
        return
    try:
        manifest = _read_manifest(output)
    except (OSError, ValueError):
        manifest = None
    if manifest is None or manifest.get("plan") != run:
        raise InvalidInput(
            f"output: the worker on {socket.gethostname()} does not see this run's folder {output}: on a cluster "
            "of several machines, write to a folder every worker shares, or to an fsspec URL such as s3://...",
            field="output",
        )
    _SEEN_RUNS.add((output, run))


def _local_path_made_absolute(url: str) -> str:
    """A local path as an absolute one (a worker's working directory is not the driver's); a URL as given."""
    if "://" in url:
        return url
    return os.path.abspath(os.path.expanduser(url))


def _read_manifest(output: str) -> dict[str, Any] | None:
    fs, path = _fs(f"{output.rstrip('/')}/{MANIFEST}")
    if not fs.exists(path):
        return None
    with fs.open(path, "rb") as handle:
        return json.loads(handle.read())


def _save_manifest(output: str, manifest: dict[str, Any]) -> None:
    _write_atomically(f"{output.rstrip('/')}/{MANIFEST}", json.dumps(manifest, indent=1).encode())


def done_parts(output: str) -> list[str]:
    """The part files a (possibly unfinished) run has completed, in order."""
    manifest = _read_manifest(output)
    return sorted(manifest["done"]) if manifest else []


def classify_ads(
    *,
    inputs: Sequence[str],
    output: str,
    engine: str = "local",
    address: str | None = None,
    workers: int = 2,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    config: ClassifierConfig,
    progress: Callable[[int, int], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    stop_after: int | None = None,
    warm_cache: bool = True,
) -> RunReport:
    """Classifies every ad of `inputs` into Parquet parts under `output`, resuming a run that was stopped.

    `progress(chunks, ads)` is called as each chunk is done; `on_plan(chunks to do, ads to do)` once.
    `stop_after` ends the run after that many chunks (for tests of resuming). `warm_cache=False` skips the
    driver's own build of the classifier (which fills the embedding cache on disk for the workers) when
    the cache is known to be complete."""
    import time

    if engine not in ("local", "dask"):
        raise InvalidInput(f"engine: {engine!r} is not one of local, dask", field="engine")
    if chunk_size < 1:
        raise InvalidInput("chunk_size: at least 1", field="chunk_size")
    began = time.perf_counter()
    config = replace(config, model=model_identity(config.backend))
    output = _local_path_made_absolute(output)
    chunks = plan(input_files(inputs), chunk_size)
    fingerprint = plan_fingerprint(chunks, config)
    fs, out_path = _fs(output)
    fs.makedirs(out_path, exist_ok=True)
    manifest = _read_manifest(output)
    if manifest is None:
        if any(p.rsplit("/", 1)[-1].startswith("part-") for p in fs.ls(out_path, detail=False)):
            raise InvalidInput(
                f"{output} holds part files but no manifest: choose an empty folder", field="output"
            )
        manifest = {"plan": fingerprint, "chunks": len(chunks), "done": {}}
        _save_manifest(output, manifest)
    elif manifest.get("plan") != fingerprint:
        raise InvalidInput(
            f"{output} holds another run (other inputs, chunk size or settings): choose an empty folder",
            field="output",
        )
    for stray in fs.ls(out_path, detail=False):  # temporary files of a killed run
        if ".tmp-" in stray.rsplit("/", 1)[-1]:
            fs.rm(stray)
    todo = [c for c in chunks if c.name not in manifest["done"]]
    if stop_after is not None:
        todo = todo[:stop_after]
    if on_plan:
        on_plan(len(todo), sum(c.count for c in todo))

    sizes = {c.name: c.count for c in todo}

    def finished(result: dict[str, Any]) -> None:
        manifest["done"][result["name"]] = {k: result[k] for k in ("ads", "rejected", "problems")}
        _save_manifest(output, manifest)
        if progress:
            progress(1, sizes[result["name"]])

    used_workers = 1
    if todo and (warm_cache or engine == "local"):
        classifier(config)  # the driver fills the embedding cache once, before any worker reads it
        classifier(config).cache.save()
    if todo and engine == "local":
        for chunk in todo:
            finished(classify_chunk(chunk, output, config, fingerprint))
    elif todo:
        used_workers = _run_dask(todo, output, config, fingerprint, address, workers, finished)
    done = manifest["done"]
    return RunReport(
        chunks=len(chunks), skipped=len(chunks) - len(todo),
        ads=sum(v["ads"] for v in done.values()), rejected=sum(v["rejected"] for v in done.values()),
        output=output, engine=engine, workers=used_workers if engine == "dask" else 1,
        seconds=round(time.perf_counter() - began, 3),
    )  # fmt: skip


def _run_dask(
    todo: Sequence[Chunk],
    output: str,
    config: ClassifierConfig,
    run: str,
    address: str | None,
    workers: int,
    finished: Callable[[dict[str, Any]], None],
) -> int:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address:
        client = Client(address)
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=40,
        )  # fmt: skip
        client = Client(cluster)
    try:
        count = len(client.scheduler_info()["workers"])
        # retries: a chunk whose worker died is run again elsewhere; its file is simply written again
        futures = [
            client.submit(classify_chunk, chunk, output, config, run, key=f"classify-{chunk.name}-{uuid.uuid4().hex}",
                          retries=3, pure=False)
            for chunk in todo
        ]  # fmt: skip
        for future in as_completed(futures):
            finished(future.result())
        return count
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def iter_output_rows(output: str) -> Iterator[dict[str, Any]]:
    """Every classified ad of a finished run, in part order (for tests and small outputs)."""
    import pyarrow.parquet as pq

    fs, path = _fs(output)
    for name in done_parts(output):
        with fs.open(f"{path.rstrip('/')}/{name}", "rb") as handle:
            yield from pq.read_table(handle).to_pylist()
