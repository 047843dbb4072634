"""The trained skill model: shipped weights loaded offline with NumPy, used by every extraction door, and a
language other than English named instead of guessed at (API, JSONL CLI; the page in test_language.py)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.db import unit_of_work
from skillatlas.intelligence import language, skill_model
from skillatlas.intelligence.extraction import (
    TRAINED_SETTINGS,
    ExtractionSettings,
    SkillExtractor,
    SkillRecord,
    default_settings,
)
from skillatlas.taxonomy import service as taxonomy

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"
SKILLSKAPE = REPO.parent / "shared" / "data" / "skillskape"
GERMAN = (
    "Wir suchen für unsere Werkstatt in Stuttgart einen Hochvolt-Techniker (m/w/d), der die Diagnose und "
    "Reparatur von Batteriemanagementsystemen übernimmt und Erfahrung mit Elektrofahrzeugen hat."
)
SKILLS = [
    SkillRecord("esco:teams", "work in teams"),
    SkillRecord("esco:customers", "communicate with customers"),
    SkillRecord("esco:python", "Python (computer programming)"),
    SkillRecord("esco:sql", "SQL"),
    SkillRecord("esco:batteries", "maintain electric vehicle batteries"),
    SkillRecord("esco:budget", "manage budgets"),
    SkillRecord("esco:motivate", "motivate employees"),
    SkillRecord("esco:risk", "assess risk factors"),
]


def test_the_weights_ship_small_with_a_record_of_their_training() -> None:
    assert skill_model.available()
    weights = skill_model.MODEL_DIR / f"{skill_model.MODEL_NAME}.npz"
    assert weights.stat().st_size < 3_000_000  # float16, compressed
    with np.load(weights) as data:
        assert data["uq"].dtype == np.float16 and data["up"].shape == (512, 512)
    info = skill_model.model_info()
    assert info["seed"] is not None and info["trained_at"] and not info["smoke"]
    assert info["data"]["skillskape_train"]["sentences"] > 1000
    assert info["select_rp5"]["trained"] > info["select_rp5"]["frozen encoder"]


def test_the_model_maps_queries_and_labels_differently_and_normalised() -> None:
    backend = skill_model.skill_model_backend()
    queries = backend.embed(["You will lead and inspire the team."], role="query")
    passages = backend.embed(["You will lead and inspire the team."], role="passage")
    assert queries.shape == passages.shape == (1, 512)
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(queries, passages)
    assert skill_model.MODEL_NAME in backend.name  # the cache never mixes it with the frozen encoder


def test_every_door_gets_the_trained_model_by_default() -> None:
    assert default_settings("use-m3") == TRAINED_SETTINGS
    assert default_settings("none") == ExtractionSettings(backend="none")
    assert default_settings("e5-small").backend == "e5-small"


def test_the_trained_model_finds_an_implied_skill_with_its_evidence() -> None:
    text = "We sell to large retailers.\nYou inspire and energise your team members to reach their full potential."
    extractor = SkillExtractor(SKILLS, settings=TRAINED_SETTINGS)
    dense = extractor.index.search(text.splitlines()[1], 1, mode="dense")
    assert dense[0].id == "esco:motivate"  # the model alone: the skill is implied, never named
    found = {skill.uri: skill for skill in extractor.extract(text, k=3)}
    assert "esco:motivate" in found, found
    assert found["esco:motivate"].evidence == text.splitlines()[1]
    # What the text names word for word still comes first (the lexical side is kept).
    named = extractor.extract("Experience with SQL is a plus.", k=1)
    assert named[0].uri == "esco:sql"


# --- another language, at every door ----------------------------------------------------------------


@pytest.fixture
def esco(sessions) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def test_the_api_names_the_language_instead_of_guessing(client: TestClient, esco: None) -> None:
    refused = client.post("/api/intelligence/extract", json={"text": GERMAN})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "other_language" and body["field"] == "text"
    assert "German" in body["detail"]
    anyway = client.post("/api/intelligence/extract", json={"text": GERMAN, "any_language": True})
    assert anyway.status_code == 200 and isinstance(anyway.json(), list)


def test_the_jsonl_cli_names_the_language_per_line(tmp_path: Path, cli_env: dict[str, str]) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("battery management systems\nbattery design\n")
    texts = tmp_path / "in.jsonl"
    texts.write_text(
        json.dumps({"id": "de", "text": GERMAN})
        + "\n"
        + json.dumps({"id": "en", "text": "You will design battery management systems."})
        + "\n"
    )
    args = ["skills", "extract", "--jsonl", str(texts), "--top", "1", "--taxonomy-labels", str(labels)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = {line["id"]: line for line in map(json.loads, result.stdout.splitlines()) if line}
    assert lines["de"]["skills"] == [] and lines["de"]["language"] == "de"
    assert "German" in lines["de"]["error"]
    assert lines["en"]["skills"][0]["label"] == "battery management systems"
    anyway = CliRunner().invoke(app, [*args, "--any-language"])
    assert json.loads(anyway.stdout.splitlines()[0])["skills"]


def test_the_file_cli_refuses_another_language(tmp_path: Path, cli_env: dict[str, str]) -> None:
    ad = tmp_path / "ad.txt"
    ad.write_text(GERMAN)
    result = CliRunner().invoke(app, ["skills", "extract", str(ad)])
    assert result.exit_code == 2 and "German" in result.output


def test_the_message_names_the_language() -> None:
    found = language.not_english(GERMAN)
    assert found is not None
    with pytest.raises(language.OtherLanguage) as raised:
        language.check_english(GERMAN)
    assert raised.value.code == "other_language" and "German" in raised.value.message


# --- training, at a tiny size ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="training needs torch (not a runtime need)"
)
@pytest.mark.skipif(not (SKILLSKAPE / "train.csv").exists(), reason="SkillSkape is in ../shared/data")
def test_the_training_script_runs_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "model"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "train_skill_model.py"),
            "--smoke",
            "--threads",
            "1",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
            "--penalties",
            "0.01",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    info = json.loads((out / f"{skill_model.MODEL_NAME}.json").read_text())
    assert info["smoke"] and info["seed"] == 13 and info["data"]["skillskape_train"]["sha256"]
    with np.load(out / f"{skill_model.MODEL_NAME}.npz") as data:
        assert data["uq"].dtype == np.float16
