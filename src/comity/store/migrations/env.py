"""Alembic environment: runs on the connection that ``comity.store.migrate`` hands over."""

from alembic import context

from comity.store.migrate import include_object
from comity.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    include_object=include_object,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
