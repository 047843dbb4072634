"""`skillatlas intelligence classify-ads` and `load-demand`: job ads at scale (see `scale.py`, `demand.py`)."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.config import get_settings
from skillatlas.db import unit_of_work
from skillatlas.intelligence.cli import intelligence_app


@intelligence_app.command("classify-ads")
@friendly_errors
def classify_ads(
    inputs: list[str] = typer.Option(
        ..., "--input", help="JSON lines or Parquet: a file, folder, glob or fsspec URL (repeatable)."
    ),
    output: str = typer.Option(
        ..., "--output", help="Folder (or fsspec URL) for the Parquet parts and the manifest."
    ),
    engine: str = typer.Option("local", "--engine", help="local (this process) or dask."),
    address: str = typer.Option(
        None, "--address", help="Join the Dask scheduler at this address (tcp://host:8786)."
    ),
    workers: int = typer.Option(
        2, "--workers", min=1, help="Workers of the local Dask cluster (without --address)."
    ),
    chunk_size: int = typer.Option(5_000, "--chunk-size", min=1, help="Ads per output part."),
    evidence: bool = typer.Option(
        False, "--evidence", help="Keep each skill's evidence sentence in the output."
    ),
    stop_after: int = typer.Option(None, "--stop-after", hidden=True),
) -> None:
    """Skills and occupation of every job ad (fields id, date, country, title, text) into Parquet
    (id, date, country, occupation_uri, skills: [{uri, score}]); a stopped run, started again, resumes."""
    from skillatlas.intelligence import scale

    # every machine's workers use the data folder of their own settings (machine_data), as the driver does
    config = scale.ClassifierConfig(
        backend=get_settings().embedding_backend, cache_dir=None, evidence=evidence, machine_data=True
    )
    with Progress(
        TextColumn("job ads"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    ) as bar:
        task = bar.add_task("ads", total=None)
        report = scale.classify_ads(
            inputs=inputs, output=output, engine=engine, address=address or None, workers=workers,
            chunk_size=chunk_size, config=config, stop_after=stop_after,
            on_plan=lambda chunks, ads: bar.update(task, total=ads),
            progress=lambda chunks, ads: bar.advance(task, ads),
        )  # fmt: skip
    console.print(
        f"{report.ads:,} ads classified in {report.chunks:,} parts ({report.skipped:,} done before); "
        f"{report.rejected:,} rows rejected; {report.engine} engine, {report.workers} worker(s), "
        f"{report.seconds:,.1f} s",
        highlight=False,
    )


@intelligence_app.command("load-demand")
@friendly_errors
def load_demand(
    path: str = typer.Argument(
        ..., help="classify-ads output folder, a Parquet file, a glob or an fsspec URL."
    ),
) -> None:
    """Load classified job ads as demand aggregates (skill x occupation x country x month), in one
    transaction; files loaded before are skipped, so loading again changes nothing."""
    from skillatlas.intelligence import demand

    files = demand.demand_files(path)
    with (
        unit_of_work(open_database()) as db,
        Progress(
            TextColumn("files"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as bar,
    ):
        task = bar.add_task("files", total=len(files))
        report = demand.load_demand(db=db, actor=SYSTEM, path=path, progress=lambda n: bar.advance(task, n))
    console.print(
        f"loaded {report.loaded} of {report.files} files ({report.already_loaded} loaded before): "
        f"{report.ads:,} ads, {report.skill_links:,} skill links"
        + (
            f", {report.unknown_skills:,} links to skills the taxonomy lacks" if report.unknown_skills else ""
        ),
        highlight=False,
    )
