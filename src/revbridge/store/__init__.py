"""SQLAlchemy tables, repositories, bulk writers and Alembic migrations."""
