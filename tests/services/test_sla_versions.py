from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.errors import SlaInvalid
from revbridge.services.sla_versions import (
    SignaturesMissing,
    SlaUnchanged,
    SlaVersionNotFound,
    SlaVersionOutOfOrder,
    apply_sla,
    current_sla,
    get_sla_version,
    list_sla_versions,
)

EXAMPLE = files("revbridge.examples").joinpath("sla.yaml").read_text(encoding="utf-8")
CHANGED = EXAMPLE.replace("engagement >= 40", "engagement >= 50")
SIGNED = {"marketing": "Maria Lopez", "sales": "Sam Okafor"}
JAN = datetime(2025, 1, 1, 5, tzinfo=UTC)
JUL = datetime(2025, 7, 1, 4, tzinfo=UTC)
NOW = datetime(2024, 12, 15, 10, tzinfo=UTC)


def stored_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM sla_versions")).scalar_one()


def test_the_first_applied_sla_is_version_1_and_in_force_from_its_date(engine: Engine) -> None:
    assert apply_sla(engine, EXAMPLE, effective_from=JAN, signed_by=SIGNED, now=NOW) == 1
    assert current_sla(engine, JAN - timedelta(seconds=1)) is None
    found = current_sla(engine, JAN)
    assert found is not None
    version, sla = found
    assert version == 1
    assert sla.checksum() == get_sla_version(engine, 1).checksum


def test_a_later_version_takes_over_on_its_date_and_the_earlier_stays_in_force_before(engine: Engine) -> None:
    apply_sla(engine, EXAMPLE, effective_from=JAN, signed_by=SIGNED, now=NOW)
    assert apply_sla(engine, CHANGED, effective_from=JUL, signed_by=SIGNED, now=NOW) == 2
    before, after = current_sla(engine, JUL - timedelta(microseconds=1)), current_sla(engine, JUL)
    assert before is not None
    assert after is not None
    assert before[0] == 1
    assert str(before[1].qualification.mql) == "fit >= 30 and engagement >= 40"
    assert after[0] == 2
    assert str(after[1].qualification.mql) == "fit >= 30 and engagement >= 50"


def test_a_stored_version_keeps_the_signed_text_signers_and_dates(engine: Engine) -> None:
    apply_sla(
        engine,
        EXAMPLE,
        effective_from=JAN,
        signed_by={"Marketing ": " Maria Lopez"} | {"sales": "Sam"},
        now=NOW,
    )
    stored = get_sla_version(engine, 1)
    assert stored.text == EXAMPLE
    assert stored.signed_by == {"marketing": "Maria Lopez", "sales": "Sam"}
    assert stored.effective_from == JAN
    assert stored.created_at == NOW
    assert len(stored.checksum) == 64


def test_applying_the_same_contract_again_is_refused_even_reformatted(engine: Engine) -> None:
    apply_sla(engine, EXAMPLE, effective_from=JAN, signed_by=SIGNED, now=NOW)
    reformatted = "# the same contract, other comments\n" + EXAMPLE.replace("# What each team promises", "#")
    with pytest.raises(SlaUnchanged) as raised:
        apply_sla(engine, reformatted, effective_from=JUL, signed_by=SIGNED, now=NOW)
    checksum = get_sla_version(engine, 1).checksum
    assert str(raised.value) == (
        f"this SLA is already version 1 (checksum {checksum[:12]}); nothing to apply. "
        "Change the file, or compare with `revbridge sla diff`"
    )
    assert stored_count(engine) == 1


def test_both_teams_must_sign(engine: Engine) -> None:
    with pytest.raises(SignaturesMissing) as raised:
        apply_sla(engine, EXAMPLE, effective_from=JAN, signed_by={"marketing": "Maria", "finance": "Fay"}, now=NOW)
    assert str(raised.value) == (
        "missing a signature for sales; 'finance' is not a signing team: an SLA version is signed by one "
        "person for each of marketing and sales"
    )
    with pytest.raises(SignaturesMissing, match="missing a signature for marketing and sales"):
        apply_sla(engine, EXAMPLE, effective_from=JAN, signed_by={"marketing": " "}, now=NOW)
    assert stored_count(engine) == 0


def test_an_invalid_sla_is_refused_before_anything_is_stored(engine: Engine) -> None:
    broken = EXAMPLE.replace("accept_within: 4h business", "accept_within: four hours")
    with pytest.raises(SlaInvalid) as raised:
        apply_sla(engine, broken, effective_from=JAN, signed_by=SIGNED, now=NOW, source="sla.yaml")
    assert [e.path for e in raised.value.errors] == ["clocks.accept_within"]
    assert str(raised.value).startswith("sla.yaml has 1 error(s):")
    assert stored_count(engine) == 0


def test_a_new_version_cannot_take_effect_before_the_latest(engine: Engine) -> None:
    apply_sla(engine, EXAMPLE, effective_from=JUL, signed_by=SIGNED, now=NOW)
    with pytest.raises(SlaVersionOutOfOrder) as raised:
        apply_sla(engine, CHANGED, effective_from=JAN, signed_by=SIGNED, now=NOW)
    assert str(raised.value) == (
        "version 1 takes effect at 2025-07-01T04:00:00+00:00; a new version cannot take effect earlier "
        "(2025-01-01T05:00:00+00:00). Choose an effective date on or after it"
    )


def test_an_unknown_version_lists_the_stored_ones(engine: Engine) -> None:
    with pytest.raises(SlaVersionNotFound) as raised:
        get_sla_version(engine, 1)
    assert str(raised.value) == "no SLA version 1; none is stored yet; apply one with `revbridge sla apply`"
    apply_sla(engine, EXAMPLE, effective_from=JAN, signed_by=SIGNED, now=NOW)
    apply_sla(engine, CHANGED, effective_from=JUL, signed_by=SIGNED, now=NOW)
    with pytest.raises(SlaVersionNotFound) as raised:
        get_sla_version(engine, 7)
    assert str(raised.value) == "no SLA version 7; stored versions: 1, 2"


def test_versions_are_listed_oldest_first(engine: Engine) -> None:
    assert list_sla_versions(engine) == []
    apply_sla(engine, EXAMPLE, effective_from=JAN, signed_by=SIGNED, now=NOW)
    apply_sla(engine, CHANGED, effective_from=JUL, signed_by=SIGNED, now=NOW + timedelta(days=1))
    listed = list_sla_versions(engine)
    assert [(v.version, v.effective_from, v.created_at) for v in listed] == [
        (1, JAN, NOW),
        (2, JUL, NOW + timedelta(days=1)),
    ]
    assert listed[1].text == CHANGED


def test_moments_without_a_time_zone_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="effective_from must be an aware datetime"):
        apply_sla(engine, EXAMPLE, effective_from=datetime(2025, 1, 1), signed_by=SIGNED, now=NOW)
