"""The predictive score's rows: trained models by version, and every lead's probability written in bulk.

Writing a million leads' predictions is one statement per chunk: on SQLite an ``executemany`` of one
``UPDATE``; on PostgreSQL a ``COPY`` into a temporary table and one ``UPDATE … FROM`` it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store.engine import driver_cursor, writing
from revbridge.store.tables import PredictiveModelRow, table_of

MODELS = table_of(PredictiveModelRow)


def insert_model(engine: Engine, label: str, trained_until: datetime, description: dict[str, Any], model: str) -> int:
    """Store a trained model as the next version; its version."""
    with writing(engine).begin() as conn:
        latest = conn.execute(sa.select(sa.func.max(MODELS.c.version))).scalar_one()
        version = (latest or 0) + 1
        conn.execute(
            sa.insert(MODELS).values(
                version=version, label=label, trained_until=trained_until, description=description, model=model
            )
        )
    return int(version)


def model_row(engine: Engine, version: int | None = None) -> dict[str, Any] | None:
    """The stored model of ``version``, or the latest; None if there is none."""
    query = sa.select(MODELS)
    query = query.where(MODELS.c.version == version) if version is not None else query.order_by(MODELS.c.version.desc())
    with engine.connect() as conn:
        row = conn.execute(query.limit(1)).mappings().first()
    return dict(row) if row is not None else None


def model_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every stored model but its text, latest first."""
    columns = [c for c in MODELS.c if c.name != "model"]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(*columns).order_by(MODELS.c.version.desc())).mappings()]


def update_predictions(
    engine: Engine,
    version: int,
    at: datetime,
    ids: Sequence[int],
    probability: Sequence[float],
    reasons: Sequence[str | None],
) -> None:
    """Write each lead's probability and its reasons (JSON text; none for None), scored by model
    ``version`` at ``at``, in one transaction."""
    stamp = at.astimezone(UTC)
    with driver_cursor(engine) as cursor:
        if engine.dialect.name == "sqlite":
            text = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")  # what SQLAlchemy's DateTime reads back
            cursor.executemany(
                f"UPDATE leads SET predicted = ?, predicted_reasons = ?, predicted_version = {int(version)}, "
                f"predicted_at = '{text}' WHERE id = ?",
                list(zip(probability, reasons, ids, strict=True)),
            )
        else:
            cursor.execute(
                "CREATE TEMP TABLE _predictions (id int8, predicted float8, predicted_reasons jsonb) ON COMMIT DROP"
            )
            table = pa.table(
                {"id": list(ids), "predicted": list(probability), "predicted_reasons": pa.array(reasons, pa.string())}
            )
            buffer = io.BytesIO()
            pcsv.write_csv(table, buffer, pcsv.WriteOptions(include_header=False))
            with cursor.copy("COPY _predictions (id, predicted, predicted_reasons) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getbuffer())
            cursor.execute(
                "UPDATE leads SET predicted = p.predicted, predicted_reasons = p.predicted_reasons, "
                "predicted_version = %s, predicted_at = %s FROM _predictions p WHERE leads.id = p.id",
                (version, stamp),
            )
