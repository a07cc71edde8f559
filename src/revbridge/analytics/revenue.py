"""Revenue numbers: pipeline, win rate, deal size, sales cycle, pipeline velocity, quota attainment,
CAC by channel, CLV and LTV:CAC, and marketing's reach.

An opportunity is **open** until it is won or lost; **closed** ones count in the window they closed in.
**Win rate** is won ÷ closed. **Average deal** is the mean amount of won deals; the **sales cycle** the
days from created to closed of won deals. **Pipeline velocity** is the revenue the open pipeline is
expected to bring per day: open opportunities × win rate × average deal ÷ cycle days. **Quota
attainment** is the amount a person won in a quota's period ÷ that quota (a team's adds up its people).
**CAC** of a channel is its spend ÷ the new customers it brought in the window (a customer's channel is
its lead's); its **cost per lead** the spend ÷ the leads that arrived in the window. **CLV** of a
subscription customer is ARPA × gross margin ÷ churn rate per period, and **LTV:CAC** a slice's CLV (its
average won deal as a year's ARPA) ÷ its CAC.
"""

from __future__ import annotations

from datetime import date, datetime

import ibis
import ibis.expr.types as ir
import pandas as pd

from revbridge.analytics.dimensions import NONE, lead_dimension
from revbridge.analytics.frames import flag, seconds, summarise, within
from revbridge.analytics.source import Source

DAY = 86_400.0
OPPORTUNITY_BY = ("owner", "team", "channel", "source", "campaign", "segment")
EMAIL_SENT = ("email_sent", "email_delivered")
EMAIL_OPEN = ("email_open",)
EMAIL_CLICK = ("email_click",)


def _opportunities(source: Source, by: str | None) -> tuple[ir.Table, str]:
    o = source.table("opportunities")
    if by is None:
        return o.mutate(overall=ibis.literal("all")), "overall"
    if by in ("owner", "team"):
        users = source.table("users").select(user=ibis._.id, owner=ibis._.email, team_id=ibis._.team_id)
        teams = source.table("teams").select(team_key=ibis._.id, team=ibis._.name)
        o = o.left_join(users, o.owner_id == users.user).left_join(teams, ibis._.team_id == teams.team_key)
        return o.mutate(**{by: o[by].fill_null(NONE)}), by
    # The opportunity's lead: its first contact (the lowest lead id among its contact roles).
    contacts = source.table("opportunity_contacts")
    first = contacts.group_by("opportunity_id").aggregate(lead_id=contacts.lead_id.min())
    dimension = lead_dimension(source, by)
    o = o.left_join(first, o.id == first.opportunity_id).left_join(dimension, "lead_id")
    return o.mutate(**{by: o[by].fill_null(NONE)}), by


def pipeline(source: Source, *, by: str | None = None) -> pd.DataFrame:
    """Open opportunities per stage (and slice): ``opportunities`` and their ``amount``."""
    o, key = _opportunities(source, by)
    o = o.filter(o.won.isnull() & o.closed_at.isnull())
    counts = o.group_by([key, "stage"]).aggregate(opportunities=o.count(), amount=o.amount.fill_null(0).sum())
    return source.frame(counts, [key, "stage"])


def revenue_kpis(
    source: Source, *, since: datetime | None = None, until: datetime | None = None, by: str | None = None
) -> pd.DataFrame:
    """Per slice: opportunities ``created`` and ``closed`` in ``[since, until)``, ``won``, ``lost``,
    ``win_rate``, ``won_amount``, ``average_deal``, the sales cycle (median and mean days of won deals),
    the ``open`` pipeline now (count and amount) and ``pipeline_velocity`` (expected revenue a day)."""
    o, key = _opportunities(source, by)
    closed_in = o.closed_at.notnull() & o.won.notnull()
    created_in = o.created_at.notnull()
    if since is not None:
        closed_in &= o.closed_at >= since
        created_in &= o.created_at >= since
    if until is not None:
        closed_in &= o.closed_at < until
        created_in &= o.created_at < until
    won = closed_in & (o.won == True)  # noqa: E712 (an Ibis expression)
    o = o.mutate(
        _closed=flag(closed_in),
        _won=flag(won),
        _won_amount=ibis.cases((won, o.amount.cast("float64")), else_=ibis.null("float64")),
        _cycle=ibis.cases((won, (seconds(o.closed_at) - seconds(o.created_at)) / DAY), else_=ibis.null("float64")),
        _open=flag(o.won.isnull() & o.closed_at.isnull()),
    )
    aggregates = {
        "created": flag(created_in).sum(),
        "closed": o._closed.sum(),
        "won": o._won.sum(),
        "won_amount": o._won_amount.sum(),
        "average_deal": o._won_amount.mean(),
        "cycle_mean_days": o._cycle.mean(),
        "open": o._open.sum(),
        "open_amount": ibis.cases((o._open == 1, o.amount.cast("float64")), else_=0.0).sum(),
    }
    summary = summarise(source.engine, o, [key], aggregates, {"cycle_median_days": ("_cycle", 0.5)})
    frame = source.frame(summary, [key])
    frame["lost"] = frame.closed - frame.won
    frame["win_rate"] = (frame.won / frame.closed).where(frame.closed > 0)
    frame["won_amount"] = frame.won_amount.fillna(0.0)
    frame["pipeline_velocity"] = frame.open * frame.win_rate * frame.average_deal / frame.cycle_mean_days
    columns = [key, "created", "closed", "won", "lost", "win_rate", "won_amount", "average_deal"]
    return frame[[*columns, "cycle_median_days", "cycle_mean_days", "open", "open_amount", "pipeline_velocity"]]


def quota_attainment(
    source: Source, *, since: date | None = None, until: date | None = None, by: str = "owner"
) -> pd.DataFrame:
    """Per person (``owner``) or ``team``: the quotas whose period lies in ``[since, until]``, the amount
    won in those periods, and ``attainment`` (won ÷ quota)."""
    q = source.table("quotas")
    if since is not None:
        q = q.filter(q.period_start >= since)
    if until is not None:
        q = q.filter(q.period_end <= until)
    q = q.select("user_id", "period_start", "period_end", quota=q.id, quota_amount=q.amount.cast("float64"))
    o = source.table("opportunities")
    o = o.filter((o.won == True) & o.closed_at.notnull())  # noqa: E712
    o = o.select(deal_owner=o.owner_id, closed_on=o.closed_at.date(), amount=o.amount.cast("float64"))
    joined = q.left_join(
        o, (q.user_id == o.deal_owner) & (o.closed_on >= q.period_start) & (o.closed_on <= q.period_end)
    )
    per_quota = joined.group_by(["quota", "user_id", "quota_amount"]).aggregate(
        won_amount=joined.amount.fill_null(0.0).sum()
    )
    users = source.table("users").select(user=ibis._.id, owner=ibis._.email, team_id=ibis._.team_id)
    teams = source.table("teams").select(team_key=ibis._.id, team=ibis._.name)
    rows = per_quota.join(users, per_quota.user_id == users.user).left_join(teams, ibis._.team_id == teams.team_key)
    rows = rows.mutate(team=rows.team.fill_null(NONE))
    totals = rows.group_by(by).aggregate(quotas=rows.count(), quota=rows.quota_amount.sum(), won=rows.won_amount.sum())
    frame = source.frame(totals, [by])
    frame["attainment"] = (frame.won / frame.quota).where(frame.quota > 0)
    return frame


def cac(
    source: Source, *, since: datetime | None = None, until: datetime | None = None, by: str = "channel"
) -> pd.DataFrame:
    """Per ``channel`` (or ``campaign``): ``spend`` in ``[since, until)``, the ``new_leads`` that arrived
    in it and the ``cost_per_lead``, the ``new_customers`` (leads of that slice that first became
    customers in the window) and ``cac`` (spend ÷ new customers)."""
    spend = source.table("campaign_spend")
    if since is not None:
        spend = spend.filter(spend.day >= since.date())
    if until is not None:
        spend = spend.filter(spend.day < until.date())
    campaigns = source.table("campaigns").select(campaign=ibis._.id, name=ibis._.name, channel=ibis._.channel)
    spend = spend.join(campaigns, spend.campaign_id == campaigns.campaign)
    spend = spend.mutate(campaign=spend.name).mutate(**{by: ibis._[by].fill_null(NONE)})
    spent = spend.group_by(by).aggregate(spend=spend.amount.cast("float64").sum())
    t = source.table("stage_transitions")
    first = t.filter(t.to_stage == "customer").group_by("lead_id").aggregate(became=t.at.min())
    first = first.filter(within(first.became, since, until))
    customers = first.join(lead_dimension(source, by), "lead_id")
    won = customers.group_by(by).aggregate(new_customers=customers.count())
    leads = source.table("leads").select(lead_id=ibis._.id, created_at=ibis._.created_at)
    leads = leads.filter(within(leads.created_at, since, until))
    arrived = leads.join(lead_dimension(source, by), "lead_id")
    arrived = arrived.group_by(by).aggregate(new_leads=arrived.count())
    frame = source.frame(spent).merge(source.frame(won), on=by, how="outer")
    frame = frame.merge(source.frame(arrived), on=by, how="outer")
    frame["spend"] = frame.spend.fillna(0.0)
    for column in ("new_customers", "new_leads"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["cost_per_lead"] = (frame.spend / frame.new_leads).where(frame.new_leads > 0)
    frame["cac"] = (frame.spend / frame.new_customers).where(frame.new_customers > 0)
    frame = frame[[by, "spend", "new_leads", "cost_per_lead", "new_customers", "cac"]]
    return frame.sort_values(by, kind="stable").reset_index(drop=True)


def clv_subscription(arpa: float, gross_margin: float, churn: float) -> float:
    """Lifetime value of a subscription customer: ARPA × gross margin ÷ churn (all per the same period)."""
    if churn <= 0:
        raise ValueError("churn must be above 0: with no churn a customer's value has no end")
    return arpa * gross_margin / churn


def ltv_to_cac(
    source: Source,
    *,
    gross_margin: float,
    churn: float,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str = "channel",
) -> pd.DataFrame:
    """Per ``channel`` (or ``campaign``): CAC as ``cac`` computes it, the LTV of its customers as a
    subscription (ARPA the mean amount of the deals won in the window from leads of that slice, taken as a
    year's revenue; ``gross_margin`` and yearly ``churn`` as given) and ``ltv_to_cac``."""
    spend = cac(source, since=since, until=until, by=by)
    deals = revenue_kpis(source, since=since, until=until, by=by)[[by, "average_deal"]]
    frame = spend.merge(deals, on=by, how="left")
    frame["ltv"] = [
        None if pd.isna(arpa) else clv_subscription(float(arpa), gross_margin, churn) for arpa in frame.average_deal
    ]
    frame["ltv_to_cac"] = (frame.ltv / frame.cac).where(frame.cac > 0)
    return frame[[by, "spend", "new_customers", "cac", "average_deal", "ltv", "ltv_to_cac"]]


def reach(
    source: Source, *, since: datetime | None = None, until: datetime | None = None, by: str = "channel"
) -> pd.DataFrame:
    """Marketing's reach per touchpoint ``channel`` (or ``type`` or ``campaign``): ``touchpoints``,
    ``leads`` reached, e-mails ``sent``, ``opens`` and ``clicks``, and the ``open_rate`` and
    ``click_rate`` (of e-mails sent, where sends are recorded) and ``click_to_open``."""
    t = source.table("touchpoints")
    if since is not None:
        t = t.filter(t.occurred_at >= since)
    if until is not None:
        t = t.filter(t.occurred_at < until)
    if by == "campaign":
        campaigns = source.table("campaigns").select(campaign_key=ibis._.id, campaign=ibis._.name)
        t = t.left_join(campaigns, t.campaign_id == campaigns.campaign_key)
    t = t.mutate(**{by: t[by].fill_null(NONE)})
    # Per (slice, lead) first, then per slice: the leads counted without a DISTINCT aggregate.
    per_lead = t.group_by([by, "lead_id"]).aggregate(
        touchpoints=t.count(),
        sent=t.count(where=t.type.isin(list(EMAIL_SENT))),
        opens=t.count(where=t.type.isin(list(EMAIL_OPEN))),
        clicks=t.count(where=t.type.isin(list(EMAIL_CLICK))),
    )
    counts = per_lead.group_by(by).aggregate(
        touchpoints=per_lead.touchpoints.sum(),
        leads=per_lead.count(),
        sent=per_lead.sent.sum(),
        opens=per_lead.opens.sum(),
        clicks=per_lead.clicks.sum(),
    )
    frame = source.frame(counts, [by])
    frame["open_rate"] = (frame.opens / frame.sent).where(frame.sent > 0)
    frame["click_rate"] = (frame.clicks / frame.sent).where(frame.sent > 0)
    frame["click_to_open"] = (frame.clicks / frame.opens).where(frame.opens > 0)
    return frame
