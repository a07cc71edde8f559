"""Simulated reps working their queue: seeded profiles, moments in business hours, verdicts by the lead's truth."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files

import pytest

from revbridge.domain.business_time import BusinessClock
from revbridge.domain.durations import Duration
from revbridge.domain.simulation import build_world
from revbridge.domain.simulation import queue_work as work
from revbridge.domain.simulation.catalogue import CHANNELS, TIERS
from revbridge.domain.simulation.companies import Targets
from revbridge.domain.sla import Sla, load_sla

UNTIL = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
FOUR_HOURS = Duration(4, "h", business=True)


@pytest.fixture(scope="module")
def sla() -> Sla:
    return load_sla(files("revbridge.examples").joinpath("sla.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clock(sla: Sla) -> BusinessClock:
    return BusinessClock.from_clocks(sla.clocks)


def moments(rng: random.Random, count: int) -> list[datetime]:
    """Moments spread over two months, at any hour, as MQLs arrive."""
    start = datetime(2025, 3, 3, tzinfo=UTC)
    return [start + timedelta(hours=rng.uniform(0, 24 * 60)) for _ in range(count)]


def truth(tier: str = "medium", **traits: bool) -> work.LeadTruth:
    return work.LeadTruth(
        channel="paid_search",
        tier=tier,
        company_tier=tier,
        title_tier=tier,
        student=traits.get("student", False),
        free_mail=traits.get("free_mail", False),
    )


def test_most_reps_are_prompt_and_one_or_two_are_slow() -> None:
    for seed in range(20):
        profiles = work.rep_profiles(10, seed)
        assert [p.index for p in profiles] == list(range(10))
        assert sum(p.slow for p in profiles) == 2
        assert profiles == work.rep_profiles(10, seed)
    assert sum(p.slow for p in work.rep_profiles(4, 0)) == 1
    assert sum(p.slow for p in work.rep_profiles(1, 0)) == 0


def test_a_rep_is_away_on_the_same_days_whoever_asks_and_about_as_often_as_their_profile_says() -> None:
    profile = work.rep_profile(3, 7, slow=True)
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(2000)]
    away = [work.is_away(profile, day) for day in days]
    assert away == [work.is_away(profile, day) for day in days]
    share = profile.away_share
    assert abs(sum(away) / len(days) - share) < 4 * math.sqrt(share * (1 - share) / len(days))


def test_verdicts_come_in_business_hours_on_days_the_rep_is_in(sla: Sla, clock: BusinessClock) -> None:
    rng = random.Random(1)
    for index, slow in ((0, False), (1, True)):
        profile = work.rep_profile(index, 2, slow=slow)
        busy: datetime | None = None
        for seen in sorted(moments(rng, 300)):
            answer = work.verdict(
                profile,
                truth(),
                seen_at=seen,
                busy_until=busy,
                clock=clock,
                reasons=sla.feedback.reasons,
                rng=rng,
            )
            assert answer.at > seen
            assert clock.is_open(answer.at)
            assert not work.is_away(profile, answer.at.astimezone(clock.zone).date())
            if not answer.put_aside:
                assert busy is None or answer.at > busy  # one lead after the other
                busy = answer.at


def test_slow_reps_miss_the_four_hour_deadline_far_more_often_than_prompt_ones(clock: BusinessClock) -> None:
    rng = random.Random(3)
    seen = moments(rng, 500)

    def missed(profile: work.RepProfile) -> float:
        late = [
            work.verdict_moment(profile, at, None, clock, rng, put_aside=rng.random() < profile.late_share)
            > clock.add(at, FOUR_HOURS)
            for at in seen
        ]
        return sum(late) / len(late)

    prompt = [missed(work.rep_profile(i, 0, slow=False)) for i in range(3)]
    slow = [missed(work.rep_profile(i, 0, slow=True)) for i in range(3)]
    assert max(prompt) < 0.2
    assert min(slow) > 0.4


def test_the_truth_read_back_from_simulated_leads_has_their_channels_mix_of_fit_tiers(sla: Sla) -> None:
    world = build_world(sla, leads=3000, seed=11, until=UNTIL)
    targets = Targets.from_sla(sla)
    tiers: dict[str, Counter[str]] = {c.name: Counter() for c in CHANNELS}
    for lead in world.leads:
        found = work.lead_truth(lead, targets)
        tiers[found.channel][found.tier] += 1
    for channel in CHANNELS:
        n = sum(tiers[channel.name].values())
        for tier, p in zip(TIERS, channel.tier_mix, strict=True):
            observed = tiers[channel.name][tier] / n
            assert abs(observed - p) < 4 * math.sqrt(p * (1 - p) / n) + 1e-9, (channel.name, tier, observed, p)


def test_a_student_is_mostly_turned_away_as_one_and_every_reason_is_the_slas(sla: Sla) -> None:
    rng = random.Random(5)
    student = Counter(work.rejection_reason(truth("low", student=True), sla.feedback.reasons, rng) for _ in range(500))
    fitting = Counter(work.rejection_reason(truth("high"), sla.feedback.reasons, rng) for _ in range(500))
    assert set(student) | set(fitting) <= set(sla.feedback.reasons)
    assert student.most_common(1)[0][0] == "student_or_job_seeker"
    assert student["student_or_job_seeker"] > 250
    assert fitting["student_or_job_seeker"] < 50
    assert fitting["no_budget"] + fitting["bad_timing"] > 250


def test_good_fits_are_accepted_as_often_as_the_simulation_says(sla: Sla, clock: BusinessClock) -> None:
    rng = random.Random(8)
    profile = work.rep_profile(0, 0, slow=False)
    lead = truth("high")
    answers = [
        work.verdict(profile, lead, seen_at=at, busy_until=None, clock=clock, reasons=sla.feedback.reasons, rng=rng)
        for at in moments(rng, 2000)
    ]
    accepted = sum(a.accept for a in answers) / len(answers)
    p = lead.accept_chance
    assert abs(accepted - p) < 4 * math.sqrt(p * (1 - p) / len(answers))
    assert all(a.reason is None for a in answers if a.accept)
    assert all(a.reason in sla.feedback.reasons for a in answers if not a.accept)
    assert all(1 <= a.rating <= 5 for a in answers)


def test_after_an_acceptance_the_rep_calls_and_writes_in_business_hours_mostly_on_time(clock: BusinessClock) -> None:
    rng = random.Random(13)
    profile = work.rep_profile(0, 4, slow=False)
    first_touch = Duration(1, "h", business=True)
    accepted = [clock.next_open(m) for m in moments(rng, 1000)]
    plans = [work.follow_ups(profile, at, clock=clock, first_touch=first_touch, attempts=3, rng=rng) for at in accepted]
    for plan in plans:
        assert plan
        assert [f.at for f in plan] == sorted(f.at for f in plan)
        assert all(clock.is_open(f.at) for f in plan)
        assert {f.kind for f in plan} <= {"call", "email"}
    n = len(plans)
    on_time = sum(plan[0].at <= clock.add(at, first_touch) for plan, at in zip(plans, accepted, strict=True)) / n
    p = profile.touch_on_time * (1 - profile.away_share)
    assert abs(on_time - p) < 4 * math.sqrt(p * (1 - p) / n) + profile.away_share
    enough = sum(len(plan) >= 3 for plan in plans) / n
    p = 1 - profile.gives_up
    assert abs(enough - p) < 4 * math.sqrt(p * (1 - p) / n)
