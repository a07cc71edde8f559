"""The pages of shared numbers (funnel, compliance, attribution, goals), the contract and the glossary,
over ASGI on both databases: every role reads them, each figure is the one the analytics function gives
for the same store at the moment the page's numbers are from, and only an admin applies a new SLA
version, which a wrong file never becomes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy.engine import Engine

from revbridge.analytics import compliance, funnel, goals, revenue, velocity
from revbridge.analytics.attribution import MODELS
from revbridge.analytics.attribution.compare import credit_by_model
from revbridge.analytics.definitions import definition
from revbridge.analytics.journeys import journeys
from revbridge.analytics.overview import metrics
from revbridge.analytics.source import EngineSpec, Source, open_source
from revbridge.api.app import create_app
from revbridge.domain.errors import SlaInvalid
from revbridge.domain.records import UserRecord
from revbridge.domain.sla import load_sla
from revbridge.domain.sla_diff import explain_changes
from revbridge.domain.sla_sections import Commitments
from revbridge.services.audit import entries
from revbridge.services.contract import stage_order
from revbridge.services.demo import DEMO_PASSWORD, packaged_sla_text
from revbridge.services.goals import add_goal
from revbridge.services.ingest_crm import ingest_users
from revbridge.services.logins import set_password
from revbridge.services.sla_versions import apply_sla, list_sla_versions
from revbridge.web.pages.glossary import FAMILIES, prose
from revbridge.web.render import TEMPLATES
from tests.web.conftest import ADMIN, MANAGER, MARKETING, VIEWER, Browser

REP = "sofia.rossi@northwind.example"
NUMBER_PAGES = ("/funnel", "/compliance", "/attribution", "/goals")
PAGES = (*NUMBER_PAGES, "/contract", "/glossary")
YEAR, QUARTER = timedelta(days=365), timedelta(days=90)
figure = TEMPLATES.env.filters["figure"]
# Version 2 of the demo's contract: a higher MQL bar and a new rejection reason.
RAISED_BAR = ("mql: fit >= 30 and engagement >= 40", "mql: fit >= 30 and engagement >= 50")
NEW_REASON = ("  reasons:\n", "  reasons:\n    no_reply: {label: Never answered, action: recycle, cool_off: 30d}\n")


def version_two() -> str:
    text = packaged_sla_text()
    for old, new in (RAISED_BAR, NEW_REASON):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


def _text(cell: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def table(html: str, after: str) -> list[dict[str, str]]:
    """The first table after the text ``after``: each body row as a dict by the header's words."""
    found = re.search(r"<table.*?</table>", html[html.index(after) :], re.S)
    assert found is not None, f"no table after {after!r}"
    rows = [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(0), re.S)
    ]
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def by_first(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {next(iter(row.values())): row for row in rows}


def signed_in(app: Any, email: str, password: str = DEMO_PASSWORD, *, landing: str = "/contract") -> Browser:
    """A browser logged in as ``email``, with its session's CSRF token from ``landing`` (not the home
    page: its numbers would be computed for nothing)."""
    browser = Browser(app)
    assert browser.post("/login", {"email": email, "password": password}, csrf=False).status_code == 303
    assert browser.get(landing).status_code == 200
    return browser


@contextmanager
def store(engine: Engine) -> Iterator[Source]:
    with open_source(EngineSpec("store"), engine.url.render_as_string(hide_password=False)) as source:
        yield source


def test_every_role_reads_each_page_and_its_figures_are_the_analytics_own(demo: Engine) -> None:
    today = datetime.now(UTC).date()
    add_goal(
        demo, name="MQLs this quarter", metric="mqls", target=60, teams=["marketing", "sales"],
        period_start=today - timedelta(days=45), period_end=today + timedelta(days=45),
    )  # fmt: skip
    app = create_app(demo)
    pages: dict[str, str] = {}
    for email in (MARKETING, MANAGER, ADMIN, VIEWER, REP):
        browser = signed_in(app, email, landing="/glossary")
        for url in PAGES:
            answer = browser.get(url)
            assert answer.status_code == 200, (email, url, answer.text[:300])
            pages[url] = answer.text
    for url in NUMBER_PAGES:
        assert "numbers as of" in pages[url]
        assert 'href="/glossary#' in pages[url]
    numbers = app.state.numbers

    def at(name: str, **params: Any) -> datetime:
        moment: datetime = numbers.get(name, **params).at  # kept: the moment the page's numbers are from
        return moment

    with store(demo) as source:
        moment = at("funnel_stages")
        stages = stage_order(demo, moment)
        cohort = funnel.cohort_funnel(source, stages, since=moment - YEAR, until=moment, period=None)
        shown = by_first(table(pages["/funnel"], "How far the cohort got"))
        assert len(cohort) == len(stages)
        for row in cohort.itertuples():
            assert shown[row.stage]["leads"] == figure(row.leads)
            assert shown[row.stage]["share of the cohort"] == figure(row.share, 1)
        moment = at("conversion")
        by_channel = funnel.conversion(source, stages, since=moment - YEAR, until=moment, by="channel")
        shown = by_first(table(pages["/funnel"], "Conversion by channel"))
        for row in by_channel.to_dict("records"):
            assert shown[row["channel"]]["mql→sal"] == figure(row["mql→sal"], 1)
        moment = at("stalled")
        stalled = int(velocity.stalled(source, stages, now=moment).stalled.sum())
        assert f'<strong class="big">{figure(stalled)}</strong> leads are stalled' in pages["/funnel"]
        assert 'data-chart="reached"' in pages["/funnel"]
        assert 'data-chart="entries"' in pages["/funnel"]

        moment = at("compliance")
        kept = compliance.sla_compliance(source, now=moment, since=moment - QUARTER, until=moment, by="owner")
        shown = by_first(table(pages["/compliance"], "Compliance by person"))
        assert len(kept) == len(shown) > 0
        for row in kept.itertuples():
            assert shown[row.owner]["obligations"] == figure(row.obligations)
            assert shown[row.owner]["compliance"] == figure(row.compliance, 1)
        speed = compliance.speed_to_lead(source, since=moment - QUARTER, until=moment, by="owner")
        shown = by_first(table(pages["/compliance"], "Speed to lead"))
        for row in speed.itertuples():
            assert shown[row.owner]["MQLs handed over"] == figure(row.handed)

        moment = at("attribution")
        paths = journeys(source, until=moment, milestone="customer", lookback=QUARTER, since=moment - YEAR)
        credit = credit_by_model(paths, MODELS)
        shown = by_first(table(pages["/attribution"], "Revenue attributed to each channel"))
        for model, header in (("linear", "Linear"), ("markov", "Markov"), ("shapley", "Shapley")):
            for row in credit[credit.model == model].itertuples():
                assert shown[row.channel][header] == figure(row.value)
        moment = at("ltv_to_cac", margin=0.8, churn=0.15)
        ltv = revenue.ltv_to_cac(source, gross_margin=0.8, churn=0.15, since=moment - YEAR, until=moment)
        shown = by_first(table(pages["/attribution"], "What each channel costs"))
        for row in ltv.itertuples():
            assert shown[row.channel]["CAC"] == figure(row.cac)
            assert shown[row.channel]["LTV:CAC"] == figure(row.ltv_to_cac)
        assert 'data-chart="shares"' in pages["/attribution"]

        progress = goals.goal_progress(source, now=at("goals")).iloc[0]
        shown = by_first(table(pages["/goals"], "<table"))
        assert shown["MQLs this quarter"]["so far"] == figure(progress.progress, progress.target)
        assert progress.progress > 0
        quota = revenue.quota_attainment(source, by="owner")
        shown = by_first(table(pages["/goals"], "Quota attainment"))
        for row in quota.itertuples():
            assert shown[row.owner]["attainment"] == figure(row.attainment, 1)

    signed = list_sla_versions(demo)[0].signed_by
    assert f"Signed for marketing by <strong>{escape(signed['marketing'])}</strong>" in pages["/contract"]
    for family in FAMILIES:
        assert f'id="{family.anchor}"' in pages["/glossary"]
        assert str(prose(definition(family.module).text)) in pages["/glossary"]
    for name in metrics(stages, Commitments(), now=datetime.now(UTC)):
        assert f'id="{name}"' in pages["/glossary"], f"the glossary does not define {name}"


def test_a_stranger_is_sent_to_log_in_from_every_page(demo: Engine) -> None:
    browser = Browser(create_app(demo))
    for url in (*PAGES, "/funnel?period=month"):
        answer = browser.get(url)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")
    refused = browser.post("/contract/versions", {"text": version_two(), "effective": "2030-01-01"}, csrf=False)
    assert refused.status_code == 303
    assert len(list_sla_versions(demo)) == 1


def test_the_contract_says_in_words_what_changed_from_the_version_before(demo: Engine) -> None:
    apply_sla(
        demo, version_two(), effective_from=datetime.now(UTC), signed_by={"marketing": "Mia", "sales": "Sam"},
        now=datetime.now(UTC),
    )  # fmt: skip
    browser = signed_in(create_app(demo), VIEWER)
    page = browser.get("/contract?version=2").text
    changes = explain_changes(load_sla(packaged_sla_text()), load_sla(version_two()))
    assert [c.path for c in changes] == ["qualification.mql", "feedback.reasons.no_reply"]
    for change in changes:
        assert str(escape(change.sentence)) in page
    assert "What changed from version 1" in page
    first = browser.get("/contract?version=1").text
    assert "What changed from version" not in first
    assert browser.get("/contract?version=9").status_code == 404


def test_an_admin_applies_a_version_through_the_form_and_it_shows_up(demo: Engine) -> None:
    browser = signed_in(create_app(demo), ADMIN)
    form = browser.get("/contract").text
    assert 'action="/contract/versions"' in form
    effective = (date.today() + timedelta(days=1)).isoformat()
    signers = {"marketing": "Maria Lopez", "sales": "Sam Okafor"}
    answer = browser.post("/contract/versions", {"text": version_two(), "effective": effective, **signers})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/contract?version=2&applied=2"
    page = browser.get(answer.headers["location"]).text
    assert "Version 2 is applied" in page
    assert "not yet in force" in page
    assert str(escape("MQL condition: engagement ≥ 40 → ≥ 50")) in page
    stored = list_sla_versions(demo)
    assert [v.version for v in stored] == [1, 2]
    assert stored[1].signed_by == signers
    assert stored[1].text == version_two()
    assert stored[1].effective_from.date().isoformat() == effective
    last = entries(demo, limit=1)[0]
    assert (last["action"], last["status"], last["email"]) == ("POST /contract/versions", 303, ADMIN)
    assert last["subject"] == "SLA version 2"


def test_marketing_sees_no_form_and_its_post_is_refused_with_nothing_applied(demo: Engine) -> None:
    browser = signed_in(create_app(demo), MARKETING)
    assert 'action="/contract/versions"' not in browser.get("/contract").text
    answer = browser.post(
        "/contract/versions", {"text": version_two(), "effective": "2030-01-01", "marketing": "M", "sales": "S"}
    )
    assert answer.status_code == 403
    assert "only admin may apply sla" in answer.text
    assert len(list_sla_versions(demo)) == 1


def test_a_wrong_sla_shows_every_error_with_its_path_and_applies_nothing(demo: Engine) -> None:
    wrong = (
        version_two()
        .replace("accept_within: 4h business", "accept_within: soon")
        .replace("name: Northwind", "nmae: Northwind")
    )
    with pytest.raises(SlaInvalid) as invalid:
        load_sla(wrong)
    assert len(invalid.value.errors) >= 2
    browser = signed_in(create_app(demo), ADMIN)
    answer = browser.post(
        "/contract/versions", {"text": wrong, "effective": "2030-01-01", "marketing": "Maria", "sales": "Sam"}
    )
    assert answer.status_code == 422
    assert f"The SLA has {len(invalid.value.errors)} errors; nothing was applied" in answer.text
    for error in invalid.value.errors:
        assert f"<code>{escape(error.path)}</code> (line {error.line}): {escape(error.message)}" in answer.text
    assert escape(wrong) in answer.text  # the form keeps what was pasted, to mend
    assert len(list_sla_versions(demo)) == 1


def test_pages_of_an_empty_store_say_so_in_words(engine: Engine) -> None:
    now = datetime.now(UTC)
    ingest_users(engine, [UserRecord("Ada Admin", "revops", "admin", email="ada@example.com", role="admin")], now=now)
    set_password(engine, "ada@example.com", "a long enough secret", now=now)
    browser = signed_in(create_app(engine), "ada@example.com", "a long enough secret")
    for url in NUMBER_PAGES:
        assert "no SLA version is in force" in browser.get(url).text
    assert "No SLA version is stored yet" in browser.get("/contract").text
    apply_sla(
        engine, packaged_sla_text(), effective_from=now - YEAR, signed_by={"marketing": "M", "sales": "S"}, now=now
    )  # the numbers kept nothing meanwhile: none could be computed without a contract
    said = {
        "/funnel": "No lead entered the funnel in the last year",
        "/compliance": "No SLA clock fell due in the last 90 days",
        "/attribution": "No journey reached a customer in the last year",
        "/goals": "No shared goal is set yet",
    }
    for url, words in said.items():
        answer = browser.get(url)
        assert answer.status_code == 200, answer.text[:300]
        assert words in answer.text
