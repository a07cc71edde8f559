"""A year of a large B2B funnel for ``benchmarks/analytics.py``, generated with numpy and written into a
migrated SQLite store through SQLite's own bulk path (not timed).

Shapes follow what the simulation in ``revbridge demo`` produces, at volume: leads arrive over the year
from 200 campaigns (Zipf-popular) in 8 channels; 20% become MQLs, sales accepts 70% (a verdict with a
reason, a rating and sometimes a note and a dispute; an accept clock met or breached), rejected ones go
to nurture (a fifth of them qualify again) or are disqualified; 55% of SALs become SQLs, 65% of those
opportunities, a third of which are won. Touchpoints are spread over the leads and the year.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

END = datetime(2026, 11, 30, tzinfo=UTC)
START = END - timedelta(days=365)
CHANNELS = ["paid_search", "paid_social", "organic_search", "email", "webinar", "events", "referral", "direct"]
TYPES = ["page_view", "email_sent", "email_open", "email_click", "content_download", "form_fill", "webinar_attended"]
TYPE_WEIGHTS = [0.4, 0.15, 0.12, 0.06, 0.12, 0.1, 0.05]
REASONS = ["no_budget", "wrong_persona", "bad_timing", "competitor", "not_decision_maker", "student", "duplicate"]
REPS, MARKETERS, CAMPAIGNS = 20, 5, 200
DAY = 86_400.0


def _stamps(seconds: np.ndarray) -> list[str | None]:
    """Seconds after START as SQLite's UTC text; NaN as NULL."""
    base = np.datetime64(START.replace(tzinfo=None), "us")
    out: list[str | None] = []
    ok = ~np.isnan(seconds)
    texts = np.datetime_as_string(base + (np.nan_to_num(seconds) * 1e6).astype("timedelta64[us]"), unit="us")
    for flag, text in zip(ok.tolist(), texts.tolist(), strict=True):
        out.append(text.replace("T", " ") if flag else None)
    return out


def _rows(*columns: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    return zip(*columns, strict=True)


def build(path: Path, leads: int, touchpoints: int, seed: int = 7) -> dict[str, int]:
    """Fill the migrated store at ``path``; the rows of each table."""
    rng = np.random.default_rng(seed)
    counts: dict[str, int] = {}
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    now_text = _stamps(np.array([365 * DAY]))[0]
    conn.executemany(
        "INSERT INTO teams (id, name, kind) VALUES (?, ?, ?)", [(1, "marketing", "marketing"), (2, "sales", "sales")]
    )
    users = [(i, f"rep{i}@nw.example", f"Rep {i}", 2, "sales") for i in range(1, REPS + 1)]
    users += [(REPS + i, f"mkt{i}@nw.example", f"Marketer {i}", 1, "marketing") for i in range(1, MARKETERS + 1)]
    conn.executemany(
        "INSERT INTO users (id, email, name, team_id, role, active, away, territory, created_at) "
        "VALUES (?, ?, ?, ?, ?, 1, 0, '{}', ?)",
        [(*u, now_text) for u in users],
    )
    channel_of = rng.integers(0, len(CHANNELS), CAMPAIGNS)
    conn.executemany(
        "INSERT INTO campaigns (id, name, channel, created_at) VALUES (?, ?, ?, ?)",
        [(c + 1, f"Campaign {c + 1}", CHANNELS[channel_of[c]], now_text) for c in range(CAMPAIGNS)],
    )
    days = np.arange(365)
    spend_rows = [
        (int(c) + 1, str((START + timedelta(days=int(d))).date()), float(round(rng.gamma(2.0, 150.0), 2)), "bench")
        for c in range(CAMPAIGNS)
        if CHANNELS[channel_of[c]] in ("paid_search", "paid_social", "events", "webinar")
        for d in days
    ]
    conn.executemany("INSERT INTO campaign_spend (campaign_id, day, amount, source) VALUES (?, ?, ?, ?)", spend_rows)
    counts["campaign_spend"] = len(spend_rows)
    quotas = [
        (rep, f"{y}-{m:02d}-01", f"{y + (m + 2) // 12}-{(m + 2) % 12 + 1:02d}-01", 400_000.0)
        for rep in range(1, REPS + 1)
        for y, m in ((2025, 10), (2026, 1), (2026, 4), (2026, 7), (2026, 10))
    ]
    conn.executemany(
        "INSERT INTO quotas (user_id, period_start, period_end, amount) VALUES (?, ?, date(?, '-1 day'), ?)", quotas
    )

    # Leads and their journeys.
    ids = np.arange(1, leads + 1)
    popularity = 1.0 / np.arange(1, CAMPAIGNS + 1) ** 0.8
    campaign = rng.choice(CAMPAIGNS, leads, p=popularity / popularity.sum()) + 1
    created = np.sort(rng.uniform(0, 365 * DAY, leads))
    employees = np.round(rng.lognormal(4.5, 1.6, leads)).astype(np.int64) + 1
    owner = rng.integers(1, REPS + 1, leads)
    score = np.round(rng.gamma(3.0, 15.0, leads), 1)
    mql_at = np.where(rng.random(leads) < 0.2, created + rng.exponential(10 * DAY, leads), np.nan)
    mql_at[mql_at > 365 * DAY] = np.nan
    is_mql = ~np.isnan(mql_at)
    verdict_at = np.where(is_mql, mql_at + rng.exponential(0.3 * DAY, leads), np.nan)
    verdict_at[verdict_at > 365 * DAY] = np.nan
    decided = ~np.isnan(verdict_at)
    accepted = decided & (rng.random(leads) < 0.7)
    rejected = decided & ~accepted
    nurtured = rejected & (rng.random(leads) < 0.6)
    again_at = np.where(nurtured & (rng.random(leads) < 0.2), verdict_at + rng.exponential(40 * DAY, leads), np.nan)
    again_at[again_at > 365 * DAY] = np.nan
    sql_at = np.where(accepted & (rng.random(leads) < 0.55), verdict_at + rng.exponential(12 * DAY, leads), np.nan)
    sql_at[sql_at > 365 * DAY] = np.nan
    opp_at = np.where(~np.isnan(sql_at) & (rng.random(leads) < 0.65), sql_at + rng.exponential(9 * DAY, leads), np.nan)
    opp_at[opp_at > 365 * DAY] = np.nan
    closed_at = np.where(~np.isnan(opp_at), opp_at + rng.gamma(4.0, 15 * DAY, leads), np.nan)
    closed_at[closed_at > 365 * DAY] = np.nan
    won = ~np.isnan(closed_at) & (rng.random(leads) < 0.33)
    stage = np.full(leads, "lead", dtype=object)
    stage[is_mql] = "mql"
    stage[accepted] = "sal"
    stage[nurtured] = "nurture"
    stage[rejected & ~nurtured] = "disqualified"
    stage[~np.isnan(again_at)] = "mql"
    stage[~np.isnan(sql_at)] = "sql"
    stage[~np.isnan(opp_at)] = "opportunity"
    stage[won] = "customer"
    created_text = _stamps(created)
    conn.executemany(
        "INSERT INTO leads (id, source, external_id, email, employees, lead_source, campaign_id, owner_id, stage, "
        "recycle_count, flags, properties, created_at, updated_at, version, engagement_state, score_reasons) "
        "VALUES (?, 'bench', ?, ?, ?, ?, ?, ?, ?, 0, '{}', '{}', ?, ?, 1, '{}', '[]')",
        _rows(
            ids.tolist(),
            [str(i) for i in ids.tolist()],
            [f"p{i}@co{i % 90_000}.example" for i in ids.tolist()],
            employees.tolist(),
            [CHANNELS[channel_of[c - 1]] for c in campaign.tolist()],
            campaign.tolist(),
            np.where(is_mql, owner, 0).tolist(),
            stage.tolist(),
            created_text,
            created_text,
        ),
    )
    conn.executemany(
        "INSERT INTO lead_scores (lead_id, fit_score, engagement_score, score, scored_at) VALUES (?, 0, 0, ?, ?)",
        _rows(ids.tolist(), score.tolist(), created_text),
    )
    conn.execute("UPDATE leads SET owner_id = NULL WHERE owner_id = 0")
    counts["leads"] = leads

    # The transition log: (lead, from, to, at) in each lead's order.
    steps: list[tuple[np.ndarray, str | None, str, np.ndarray]] = [
        (np.ones(leads, bool), None, "lead", created),
        (is_mql, "lead", "mql", mql_at),
        (accepted, "mql", "sal", verdict_at),
        (nurtured, "mql", "nurture", verdict_at),
        (rejected & ~nurtured, "mql", "disqualified", verdict_at),
        (~np.isnan(again_at), "nurture", "mql", again_at),
        (~np.isnan(sql_at), "sal", "sql", sql_at),
        (~np.isnan(opp_at), "sql", "opportunity", opp_at),
        (won, "opportunity", "customer", closed_at),
    ]
    transitions = []
    for mask, before, after, when in steps:
        lead_ids = ids[mask]
        transitions.append((lead_ids, np.full(len(lead_ids), before, dtype=object), after, when[mask]))
    lead_col = np.concatenate([t[0] for t in transitions])
    at_col = np.concatenate([t[3] for t in transitions])
    order = np.lexsort((at_col, lead_col))
    from_col = np.concatenate([t[1] for t in transitions])[order]
    to_col = np.concatenate([np.full(len(t[0]), t[2], dtype=object) for t in transitions])[order]
    conn.executemany(
        "INSERT INTO stage_transitions (lead_id, from_stage, to_stage, at, actor, source) "
        "VALUES (?, ?, ?, ?, 'bench', 'bench')",
        _rows(lead_col[order].tolist(), from_col.tolist(), to_col.tolist(), _stamps(at_col[order])),
    )
    counts["stage_transitions"] = len(order)

    # Verdicts and the accept clocks they met or breached (4 hours, in plain hours here).
    v = ids[decided]
    reasons = np.array(REASONS, dtype=object)[rng.integers(0, len(REASONS), len(v))]
    reasons[accepted[decided]] = None
    rating = rng.integers(1, 6, len(v))
    note = np.where(rng.random(len(v)) < 0.3, "Spoke to them: see the call notes.", None)
    disputed = rejected[decided] & (rng.random(len(v)) < 0.1)
    outcome = np.where(disputed, np.where(rng.random(len(v)) < 0.6, "upheld", "overturned"), None)
    conn.executemany(
        "INSERT INTO feedback (lead_id, user_id, verdict, reason, rating, note, at, disputed_at, dispute_outcome) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _rows(
            v.tolist(),
            owner[decided].tolist(),
            np.where(accepted[decided], "accept", "reject").tolist(),
            reasons.tolist(),
            rating.tolist(),
            note.tolist(),
            _stamps(verdict_at[decided]),
            _stamps(np.where(disputed, verdict_at[decided] + DAY, np.nan)),
            outcome.tolist(),
        ),
    )
    counts["feedback"] = len(v)
    m = ids[is_mql]
    due = mql_at[is_mql] + 4 * 3600
    met = decided[is_mql] & (verdict_at[is_mql] <= due)
    status = np.where(met, "met", np.where(decided[is_mql] | (due < 365 * DAY), "breached", "open"))
    closed = np.where(status == "met", verdict_at[is_mql], np.where(status == "breached", due, np.nan))
    conn.executemany(
        "INSERT INTO obligations (lead_id, kind, team, owner_id, opened_at, due_at, status, closed_at, escalated_at, "
        "escalation_level, required_count, done_count) VALUES (?, 'accept', 'sales', ?, ?, ?, ?, ?, ?, 0, 1, 0)",
        _rows(
            m.tolist(),
            owner[is_mql].tolist(),
            _stamps(mql_at[is_mql]),
            _stamps(due),
            status.tolist(),
            _stamps(closed),
            _stamps(np.where(status == "breached", due, np.nan)),
        ),
    )
    s = ids[accepted]
    touch_due = verdict_at[accepted] + 3600
    touched = verdict_at[accepted] + rng.exponential(1800, len(s))
    conn.executemany(
        "INSERT INTO obligations (lead_id, kind, team, owner_id, opened_at, due_at, status, closed_at, "
        "escalation_level, required_count, done_count) VALUES (?, 'first_touch', 'sales', ?, ?, ?, ?, ?, 0, 1, 1)",
        _rows(
            s.tolist(),
            owner[accepted].tolist(),
            _stamps(verdict_at[accepted]),
            _stamps(touch_due),
            np.where(touched <= touch_due, "met", "breached").tolist(),
            _stamps(np.minimum(touched, touch_due + 1)),
        ),
    )
    counts["obligations"] = len(m) + len(s)

    # Opportunities, one a lead that got there, with the lead as its contact.
    o_mask = ~np.isnan(opp_at)
    o = ids[o_mask]
    amount = np.round(rng.lognormal(np.log(60_000), 0.6, len(o)), -2)
    closed_o = closed_at[o_mask]
    won_o = won[o_mask]
    o_stage = np.where(np.isnan(closed_o), "proposal", np.where(won_o, "closed_won", "closed_lost"))
    conn.executemany(
        "INSERT INTO opportunities (id, source, external_id, owner_id, amount, stage, created_at, closed_at, won, "
        "properties, updated_at) VALUES (?, 'bench', ?, ?, ?, ?, ?, ?, ?, '{}', ?)",
        _rows(
            np.arange(1, len(o) + 1).tolist(),
            [f"o{i}" for i in range(len(o))],
            owner[o_mask].tolist(),
            amount.tolist(),
            o_stage.tolist(),
            _stamps(opp_at[o_mask]),
            _stamps(closed_o),
            [None if np.isnan(c) else bool(w) for c, w in zip(closed_o.tolist(), won_o.tolist(), strict=True)],
            [now_text] * len(o),
        ),
    )
    conn.executemany(
        "INSERT INTO opportunity_contacts (opportunity_id, lead_id) VALUES (?, ?)",
        _rows(np.arange(1, len(o) + 1).tolist(), o.tolist()),
    )
    counts["opportunities"] = len(o)
    conn.executemany(
        "INSERT INTO goals (name, metric, target, period_start, period_end, teams, filters, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, '{}', ?)",
        [
            ("Q4 MQLs", "mqls", 60_000, "2026-10-01", "2026-12-31", "marketing,sales", now_text),
            ("Q4 acceptance", "sal_acceptance_rate", 0.7, "2026-10-01", "2026-12-31", "sales", now_text),
        ],
    )

    # Touchpoints, in chunks so that memory stays flat.
    chunk = 2_000_000
    for lo in range(0, touchpoints, chunk):
        n = min(chunk, touchpoints - lo)
        lead = rng.integers(1, leads + 1, n)
        kinds = rng.choice(len(TYPES), n, p=TYPE_WEIGHTS)
        when = rng.uniform(0, 365 * DAY, n)
        camp = campaign[lead - 1]
        conn.executemany(
            "INSERT INTO touchpoints (lead_id, source, external_id, type, channel, campaign_id, occurred_at) "
            "VALUES (?, 'bench', ?, ?, ?, ?, ?)",
            _rows(
                lead.tolist(),
                [f"t{i}" for i in range(lo, lo + n)],
                np.array(TYPES, dtype=object)[kinds].tolist(),
                np.array(CHANNELS, dtype=object)[channel_of[camp - 1]].tolist(),
                camp.tolist(),
                _stamps(when),
            ),
        )
    counts["touchpoints"] = touchpoints
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts
