"""`serve` builds the matching and search indexes in the background, so the first user does not wait."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.config import Settings
from skillatlas.demo import loader
from skillatlas.experts.service import engine_for
from skillatlas.learning.catalogue_index import course_index
from skillatlas.taxonomy.label_index import label_index
from skillatlas.web.app import create_app


def test_the_indexes_are_built_at_start(settings: Settings, sessions: sessionmaker[Session]) -> None:
    with database.unit_of_work(sessions) as db:
        loader.load_demo(db=db, taxonomy=True)  # demo experts and courses
    warm = settings.model_copy(update={"warm_indexes": True, "embedding_backend": "none"})
    app = create_app(warm)
    with TestClient(app):
        app.state.warming.join(timeout=120)
        assert not app.state.warming.is_alive()
        with sessions() as db:
            assert label_index(db).version is not None
            assert course_index(db, "none").index is not None
        assert engine_for(warm.data_dir, "none")._snapshot is not None
        # The encoder's weights are mapped from the file every worker of this data directory shares.
        assert list((warm.data_dir / "shared").glob("model-use-m3*.bundle"))
    app.state.engine.dispose()


def test_tests_and_scripts_do_not_warm(client: TestClient) -> None:
    assert not hasattr(client.app.state, "warming")
