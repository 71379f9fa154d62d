"""The storage adapter: SQLAlchemy 2 (sync) tables, repositories, unit of work, migrations."""
