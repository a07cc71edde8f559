"""A SQLite store of leads whose touchpoints are journeys with a known true channel effect, for
``benchmarks/attribution_workflow.py`` (built once, not timed).

Per lead, the generator of ``domain/simulation/channel_effects.py`` (its channels, their popularity, the
journeys' lengths and the noisy-OR conversion by ``EFFECT``), with times:

- a lead that converts gets its conversion moment somewhere in the year before ``UNTIL``; its journey's
  touches are spread over the ``LOOKBACK`` before that moment, and its stage transitions (``lead`` when
  it was created, then ``mql``, ``sal``, ``sql``, ``opportunity`` between its last touch and the moment,
  and ``customer`` at the moment) follow its touches;
- a lead that does not convert has its journey's touches in the ``LOOKBACK`` before ``UNTIL``, and one
  transition (``lead``, when it was created);
- a share of the leads (``NOISE``) also have one to three touches outside their window — older than the
  lookback, or (converted leads) after the conversion — which no journey may contain: the raw table
  holds more than the journeys, as a real one does.

Touches stay two seconds or more away from a window's edges (``journeys`` compares whole seconds) and a
lead's touches never share a microsecond, so every correct reader builds exactly the generated journeys
(``expected_paths``). The truth is the channel effects' Shapley credit over the generated journeys, by
the simulation's own definition.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revbridge.domain.simulation.channel_effects import (  # the generator's distributions, reused as they are
    CHANNELS,
    EFFECT,
    MAX_TOUCHES,
    MEAN_TOUCHES,
    POPULARITY,
    _noisy_or,
    _true_shares,
)

UNTIL = datetime(2026, 11, 30, tzinfo=UTC)
LOOKBACK = timedelta(days=90)
HISTORY = timedelta(days=365)  # conversions happen in the year before UNTIL
NOISE = 0.3  # share of the leads with touches outside their window
MARGIN_US = 2_000_000  # touches stay this far (2 s) inside a window's edges
TYPES = ("page_view", "email_open", "email_click", "content_download", "form_fill", "webinar_attended")
FORMAT_VERSION = 1  # bump when the store's contents change, so that a kept store is rebuilt
US = 1_000_000
DAY_US = 86_400 * US


def _texts(micros: np.ndarray) -> list[str]:
    """Microseconds since the epoch as SQLite's UTC text (what the store's UtcDateTime writes)."""
    texts = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    return [t.replace("T", " ") for t in texts.tolist()]


def path_table(
    channels: Sequence[str], steps: np.ndarray, starts: np.ndarray, conversions: Any, nulls: Any
) -> pa.Table:
    """Journeys (or paths) aggregated by path: ``path`` ("a > b"), ``total_conversions``, ``total_null``,
    sorted by path (the comparable form of every side's journeys)."""
    names = pc.take(pa.array(list(channels), pa.string()), pa.array(np.asarray(steps, dtype=np.int64)))
    lists = pa.ListArray.from_arrays(pa.array(np.asarray(starts, dtype=np.int32)), names)
    table = pa.table(
        {
            "path": pc.binary_join(lists, " > "),
            "total_conversions": pa.array(np.asarray(conversions, dtype=float)),
            "total_null": pa.array(np.asarray(nulls, dtype=float)),
        }
    )
    grouped = table.group_by("path").aggregate([("total_conversions", "sum"), ("total_null", "sum")])
    grouped = grouped.rename_columns(["path", "total_conversions", "total_null"])
    return grouped.sort_by("path")


def _rows(*columns: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    return zip(*columns, strict=True)


def _ordered_within(owner: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """``offset`` sorted within each owner's run (owners are contiguous and ascending), plus the position
    in the run in microseconds: strictly increasing within a lead, so no two touches tie."""
    order = np.lexsort((offset, owner))
    starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
    position = np.arange(len(owner)) - np.repeat(starts, np.diff(np.concatenate([starts, [len(owner)]])))
    result: np.ndarray = offset[order] + position
    return result


def build(path: Path, leads: int, seed: int = 11) -> dict[str, Any]:
    """Fill the migrated (empty) store at ``path``; what was written and the truth, as a JSON-able dict."""
    rng = np.random.default_rng(seed)
    m = len(CHANNELS)
    until_us = int(UNTIL.timestamp() * US)
    lookback_us = int(LOOKBACK.total_seconds() * US)
    ids = np.arange(1, leads + 1, dtype=np.int64)

    # The journeys, drawn as channel_effects draws them, and whether each converts.
    lengths = np.minimum(rng.geometric(1 / MEAN_TOUCHES, size=leads), MAX_TOUCHES)
    steps = rng.choice(m, size=int(lengths.sum()), p=np.asarray(POPULARITY) / sum(POPULARITY))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    owner = np.repeat(np.arange(leads), lengths)
    sets = np.bitwise_or.reduceat(np.left_shift(1, steps).astype(np.int64), starts[:-1])
    converted = rng.random(leads) < _noisy_or(m)[sets]
    truth = _true_shares(np.bincount(sets, minlength=1 << m).astype(float), m)

    # Each journey's end: its conversion moment, or UNTIL; its touches in the lookback before it.
    history_us = int(HISTORY.total_seconds() * US)
    end = np.where(converted, until_us - rng.integers(3_600 * US, history_us, leads), until_us)
    span = lookback_us - 2 * MARGIN_US - MAX_TOUCHES
    offset = _ordered_within(owner, rng.integers(0, span, len(steps)))
    at = end[owner] - lookback_us + MARGIN_US + offset

    # Touches outside the window: older than the lookback, or after a conversion.
    noisy = np.flatnonzero(rng.random(leads) < NOISE)
    extra = rng.integers(1, 4, len(noisy))
    noise_owner = np.repeat(noisy, extra)
    after = converted[noise_owner] & (rng.random(len(noise_owner)) < 0.5)
    before_at = end[noise_owner] - lookback_us - rng.integers(DAY_US, 200 * DAY_US, len(noise_owner))
    after_at = end[noise_owner] + rng.integers(60 * US, 30 * DAY_US, len(noise_owner))
    noise_at = np.where(after, after_at, before_at)
    noise_channel = rng.choice(m, size=len(noise_owner), p=np.asarray(POPULARITY) / sum(POPULARITY))

    touch_lead = np.concatenate([owner, noise_owner])
    touch_at = np.concatenate([at, noise_at])
    touch_channel = np.concatenate([steps, noise_channel])
    first_touch = np.full(leads, np.iinfo(np.int64).max)
    np.minimum.at(first_touch, touch_lead, touch_at)
    last_in_window = at[starts[1:] - 1]
    created = first_touch - rng.integers(3_600 * US, 20 * DAY_US, leads)

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    # Secondary indexes are built once at the end: far faster than kept up row by row.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('leads', 'stage_transitions', 'touchpoints')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    created_text = _texts(created)
    conn.executemany(
        "INSERT INTO leads (id, source, external_id, email, stage, recycle_count, "
        "flags, properties, created_at, updated_at, version, engagement_state, score_reasons) "
        "VALUES (?, 'bench', ?, ?, ?, 0, '{}', '{}', ?, ?, 1, '{}', '[]')",
        _rows(
            ids.tolist(),
            [str(i) for i in ids.tolist()],
            [f"p{i}@co{i % 90_000}.example" for i in ids.tolist()],
            np.where(converted, "customer", "lead").tolist(),
            created_text,
            created_text,
        ),
    )

    # Transitions: lead at creation; a converted lead's MQL ... opportunity between its last touch in the
    # window and its conversion, and customer at the conversion.
    won = np.flatnonzero(converted)
    gap = end[won] - last_in_window[won]
    chain = [("lead", "mql", 0.2), ("mql", "sal", 0.4), ("sal", "sql", 0.6), ("sql", "opportunity", 0.8)]
    t_lead = [ids, *(ids[won] for _ in chain), ids[won]]
    t_from: list[Any] = [[None] * leads, *([a] * len(won) for a, _, _ in chain), ["opportunity"] * len(won)]
    t_to = [["lead"] * leads, *([b] * len(won) for _, b, _ in chain), ["customer"] * len(won)]
    t_at = [created, *(last_in_window[won] + (gap * f).astype(np.int64) for _, _, f in chain), end[won]]
    lead_col = np.concatenate(t_lead)
    at_col = np.concatenate(t_at)
    order = np.lexsort((at_col, lead_col))
    from_col = [x for part in t_from for x in part]
    to_col = [x for part in t_to for x in part]
    conn.executemany(
        "INSERT INTO stage_transitions (lead_id, from_stage, to_stage, at, actor, source) "
        "VALUES (?, ?, ?, ?, 'bench', 'bench')",
        _rows(
            lead_col[order].tolist(),
            [from_col[i] for i in order.tolist()],
            [to_col[i] for i in order.tolist()],
            _texts(at_col[order]),
        ),
    )

    # Touchpoints in the order they happened (as a store receives them), in chunks.
    arrival = np.argsort(touch_at, kind="stable")
    kinds = rng.integers(0, len(TYPES), len(arrival))
    names = np.array(CHANNELS, dtype=object)
    type_names = np.array(TYPES, dtype=object)
    chunk = 1_000_000
    for lo in range(0, len(arrival), chunk):
        part = arrival[lo : lo + chunk]
        conn.executemany(
            "INSERT INTO touchpoints (lead_id, source, external_id, type, channel, occurred_at) "
            "VALUES (?, 'bench', ?, ?, ?, ?)",
            _rows(
                ids[touch_lead[part]].tolist(),
                [f"t{i}" for i in range(lo, lo + len(part))],
                type_names[kinds[lo : lo + len(part)]].tolist(),
                names[touch_channel[part]].tolist(),
                _texts(touch_at[part]),
            ),
        )
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()

    expected = path_table(CHANNELS, steps, starts, converted, ~converted)
    return {
        "leads": leads,
        "seed": seed,
        "touchpoints": len(touch_lead),
        "touchpoints_in_windows": len(steps),
        "stage_transitions": len(lead_col),
        "journeys": leads,
        "conversions": int(converted.sum()),
        "distinct_paths": expected.num_rows,
        "truth": dict(zip(CHANNELS, truth.tolist(), strict=True)),
        "effect": dict(zip(CHANNELS, EFFECT, strict=True)),
        "expected_paths": expected,
    }
