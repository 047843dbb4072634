"""The database: migrations match the models on both engines, SQLite runs with WAL and foreign keys."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from skillatlas import db as database
from skillatlas.models import metadata


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_database_is_at_the_head_revision(engine: Engine) -> None:
    assert database.current_revisions(engine) == database.head_revisions(engine)
    assert database.current_revisions(engine)


def test_downgrade_to_nothing_and_back(tmp_path) -> None:
    engine = database.make_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    database.upgrade(engine)
    assert "event" in database.table_names(engine)
    database.downgrade(engine, "base")
    assert set(database.table_names(engine)) <= {"alembic_version"}
    database.upgrade(engine)
    assert "registration" in database.table_names(engine)
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = database.make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_unit_of_work_rolls_back_everything_on_error(sessions) -> None:
    from skillatlas.alliance.models import Organisation, OrganisationType

    try:
        with database.unit_of_work(sessions) as session:
            session.add(Organisation(slug="a", name="A", type=OrganisationType.INDUSTRY, country="DE"))
            session.flush()
            raise RuntimeError("half way")
    except RuntimeError:
        pass
    with database.unit_of_work(sessions) as session:
        assert session.query(Organisation).count() == 0
