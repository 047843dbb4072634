"""The encoder's weights are mapped from one file the server's processes share, and give the same vectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skillatlas.search import shared
from skillatlas.search.backends import NoEmbeddings, UniversalSentenceEncoder, share_weights

TEXTS = [
    "Diagnose faults in electric vehicle battery systems.",
    "Wir suchen eine Mechatronikerin für die Fahrzeugdiagnose.",
    "weld",
    "Plan preventive maintenance of production lines and train new technicians on safety rules.",
]


def _files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "shared").glob("model-use-m3*.bundle"))


def test_shared_weights_give_the_same_vectors_and_one_file(tmp_path: Path) -> None:
    private = UniversalSentenceEncoder()
    before = private.embed(TEXTS)

    first = UniversalSentenceEncoder()
    assert share_weights(first, tmp_path)
    second = UniversalSentenceEncoder()
    assert share_weights(second, tmp_path)
    assert len(_files(tmp_path)) == 1  # the second process mapped the first one's file

    for backend in (first, second):
        model = backend._model._model
        assert not model.table.flags.writeable and not model.table.flags.owndata  # a read-only mapping
        assert not model.w1[0].flags.writeable
        np.testing.assert_array_equal(backend.embed(TEXTS), before)
    assert share_weights(first, tmp_path)  # a second call changes nothing


def test_the_skill_model_shares_its_base_encoder(tmp_path: Path) -> None:
    from skillatlas.intelligence.skill_model import MODEL_DIR, MODEL_NAME, SkillModelBackend

    model = SkillModelBackend(UniversalSentenceEncoder(), MODEL_DIR / f"{MODEL_NAME}.npz")
    before = model.embed(TEXTS, role="query")
    assert share_weights(model, tmp_path)
    assert _files(tmp_path)
    np.testing.assert_array_equal(model.embed(TEXTS, role="query"), before)


def test_nothing_is_shared_without_a_model_a_directory_or_with_sharing_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not share_weights(NoEmbeddings(), tmp_path)
    assert not share_weights(UniversalSentenceEncoder(), None)
    monkeypatch.setenv(shared.ENV, "0")
    assert not share_weights(UniversalSentenceEncoder(), tmp_path)
    assert not _files(tmp_path)


def test_a_damaged_weights_file_is_written_again(tmp_path: Path) -> None:
    assert share_weights(UniversalSentenceEncoder(), tmp_path)
    (path,) = _files(tmp_path)
    with open(path, "r+b") as file:  # a crash in the middle of a copy
        file.truncate(path.stat().st_size // 2)
    again = UniversalSentenceEncoder()
    assert share_weights(again, tmp_path)
    np.testing.assert_array_equal(again.embed(TEXTS), UniversalSentenceEncoder().embed(TEXTS))


def test_a_second_process_maps_the_file_and_gets_the_same_vectors(tmp_path: Path) -> None:
    """What two server workers do: each maps the file, and their vectors match a private model's."""
    script = (
        "import sys; from pathlib import Path; import numpy as np\n"
        "from skillatlas.search.backends import UniversalSentenceEncoder, share_weights\n"
        "backend = UniversalSentenceEncoder()\n"
        "assert share_weights(backend, Path(sys.argv[1]))\n"
        "np.save(sys.argv[2], backend.embed(sys.argv[3:]))\n"
    )
    outputs = [tmp_path / f"vectors-{i}.npy" for i in range(2)]
    runs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(out), *TEXTS]) for out in outputs
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert len(_files(tmp_path)) == 1
    expected = UniversalSentenceEncoder().embed(TEXTS)
    for out in outputs:
        np.testing.assert_array_equal(np.load(out), expected)
