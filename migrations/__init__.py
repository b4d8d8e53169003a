"""Alembic migrations of the yuqing schema; run them with `yuqing init`."""
