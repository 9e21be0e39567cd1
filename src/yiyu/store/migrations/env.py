"""Alembic environment: the packaged migrations run on a connection yiyu hands over."""

from __future__ import annotations

from alembic import context

from yiyu.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - yiyu always passes its own connection
    raise RuntimeError("run migrations through yiyu.store.database.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
