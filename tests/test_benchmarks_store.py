"""The benchmark's stores (#14): a province-size store on PostgreSQL opens and migrates.

``benchmarks/run.py --province`` names its stores by the cohort's size, ``1.2M`` at
province size; the PostgreSQL stages failed there before any figure was measured,
because the schema's name went unquoted into ``search_path``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_store  # noqa: E402  (the harness's module, beside run.py)

from conftest import POSTGRES_URL, PostgresSchemas  # noqa: E402


@pytest.mark.parametrize("name", ["raw1.2M", "s100k", "imp1.2M"])
def test_a_postgresql_store_named_by_any_size_opens_with_yiyus_tables(
    name: str, postgres: PostgresSchemas, tmp_path: Path
) -> None:
    store = bench_store.open_store("postgresql", name, workdir=tmp_path, postgres_url=POSTGRES_URL)
    try:
        assert store.schema is not None
        assert store.schema.endswith(bench_store.schema_part(name))
        with store.engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar()
            tables = connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                {"s": store.schema},
            ).scalar()
        assert schema == store.schema
        assert (tables or 0) > 10  # the migrations ran in it
    finally:
        store.drop()
