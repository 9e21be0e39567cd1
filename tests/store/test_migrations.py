"""Migrations: a model change without a migration fails here (``alembic check``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import inspect

from yiyu.store.database import alembic_config, make_engine, upgrade
from yiyu.store.tables import metadata


def test_migrations_build_the_current_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)  # raises when the models and the migrations disagree
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    upgrade(engine)
    upgrade(engine)


def test_migrations_on_postgresql(postgres: Any) -> None:
    engine = postgres.engine()
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)
    engine.dispose()
