"""What an engagement state counts, as one number: which touchpoints of each type it holds and the rules
that weighed them, but not the moment its values are referenced to.

Decay changes a state's values and nothing else, and a state read at a later moment is exact
(``EngagementState.referenced``). So a rescoring whose state for a lead has the same digest as the one
stored holds nothing new: the stored state, read at the new moment, says the same, and only the numbers
need writing (``leads.engagement_digest``, ``lead_scores``). Per type, the digest counts its name, how
many touchpoints it holds, its latest cap window and what that window earned; touchpoints are never
deleted, so a type's count grows with every one it gains. The SLA's engagement rules (points, caps,
half-life) go in as ``rules_key``: a new rule changes every digest.

``state_digest`` (one lead, pure Python) and ``batch_digests`` (every lead of a batch, numpy) give the
same number for the same state, in unsigned 64-bit arithmetic folded to 63 bits (a signed ``BIGINT``).
A different state giving the same digest is a chance of one in 2**63 per lead.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from revbridge.domain.scoring import EngagementState
from revbridge.domain.sla_sections import Engagement

_M64 = (1 << 64) - 1
_FOLD = (1 << 63) - 1
_K = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD)

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


_last_key: tuple[Engagement, int] | None = None


def rules_key(engagement: Engagement | None) -> int:
    """The engagement rules' part of every digest: changes when any touchpoint's points or cap, or the
    half-life, changes (the competitors' points are not in the state). The last one made is kept: an SLA
    never changes once read, and one touchpoint's scoring should not pay 25 µs to make it again."""
    global _last_key
    if engagement is None:
        return 0
    last = _last_key
    if last is not None and last[0] is engagement:
        return last[1]
    rules = engagement.model_dump(mode="json", exclude={"competitors"})
    key = zlib.crc32(json.dumps(rules, sort_keys=True).encode())
    _last_key = (engagement, key)
    return key


def name_key(name: str) -> int:
    return zlib.crc32(name.encode())


def _mix(name: int, count: int, window: int, earned: float) -> int:
    bits: int = struct.unpack("<Q", struct.pack("<d", earned))[0]
    h = (name * _K[0] + count * _K[1] + (window + 1) * _K[2] + bits * _K[3]) & _M64
    h ^= h >> 31
    h = (h * _K[4]) & _M64
    return h ^ (h >> 29)


def state_digest(state: EngagementState, key: int) -> int:
    """The digest of one lead's state under rules of key ``key``."""
    total = key
    for name, typed in state.by_type.items():
        window = -1 if typed.window is None else typed.window
        total = (total + _mix(name_key(name), typed.count, window, typed.earned_in_window)) & _M64
    return total & _FOLD


def batch_digests(
    leads: Ints,
    lead: Ints,
    kind: Ints,
    count: Ints,
    window: Ints,
    earned: Floats,
    kinds: Sequence[str],
    key: int,
) -> Ints:
    """Per lead of ``leads`` (sorted ids): the digest of its rows (``lead``, ``kind`` indexing ``kinds``,
    ``count``, ``window`` with -1 for no cap, ``earned``), ``state_digest`` of the same state; a lead
    without rows gets the digest of an empty state."""
    names = np.array([name_key(k) for k in kinds], dtype=np.uint64)
    with np.errstate(over="ignore"):
        k = [np.uint64(c) for c in _K]
        h = (
            names[kind] * k[0]
            + count.astype(np.uint64) * k[1]
            + (window + 1).astype(np.uint64) * k[2]
            + np.ascontiguousarray(earned, dtype=np.float64).view(np.uint64) * k[3]
        )
        h ^= h >> np.uint64(31)
        h *= k[4]
        h ^= h >> np.uint64(29)
        totals = np.full(len(leads), np.uint64(key), dtype=np.uint64)
        if len(lead):
            # Rows are sorted by lead: each lead's sum is a difference of running sums (modulo 2**64).
            running = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(h, dtype=np.uint64)])
            starts = np.searchsorted(lead, leads, side="left")
            ends = np.searchsorted(lead, leads, side="right")
            totals += running[ends] - running[starts]
    return (totals & np.uint64(_FOLD)).astype(np.int64)
