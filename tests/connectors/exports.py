"""Realistic exports of any size, for tests that need more rows than the samples in tests/data.

``write_hubspot_export(path, n, seed)`` writes a HubSpot "All properties" contacts export (labels as
headers, dates as HubSpot writes them). Row ``i`` depends only on ``seed`` and ``i``, so a larger export
starts with the rows of a smaller one: handy for resuming an interrupted import. Every row is valid; each
contact has a unique Record ID (``100001 + i``) and a unique e-mail address.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Company Name",
    "Job Title",
    "Industry",
    "Number of Employees",
    "Annual Revenue",
    "Country/Region",
    "State/Region",
    "City",
    "Contact owner",
    "Owner Assigned Date",
    "Create Date",
    "Last Modified Date",
    "Lifecycle Stage",
    "Lead Status",
    "Became a Subscriber Date",
    "Became a Lead Date",
    "Became a Marketing Qualified Lead Date",
    "Became a Sales Qualified Lead Date",
    "Became an Opportunity Date",
    "Became a Customer Date",
    "Original Source",
    "Original Source Drill-Down 1",
    "Original Source Drill-Down 2",
    "First Conversion",
    "First Conversion Date",
    "First Touch Converting Campaign",
    "Last Touch Converting Campaign",
    "HubSpot Score",
    "Number of times contacted",
    "Number of Sales Activities",
    "Last Activity Date",
    "Days To Close",
    "Recent Deal Amount",
    "Total Revenue",
    "Number of Associated Deals",
    "Associated Deal IDs",
    "Time to move from lead to customer (HH:mm:ss)",
    "Unsubscribed from all email",
    "Marketing emails opened",
    "Marketing emails clicked",
    "Marketing emails delivered",
    "Marketing contact status",
    "Associated Company",
    "Persona",
    "Preferred language",
]

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Hedy",
    "Katherine",
    "Dorothy",
    "Mary",
    "Evelyn",
    "Frances",
    "Jean",
    "Linus",
    "Barbara",
]
LAST = ["Lovelace", "Hopper", "Turing", "Lamarr", "Johnson", "Vaughan", "Jackson", "Boyd", "Allen", "Liskov"]
COMPANIES = [
    (
        "Analytical Engines Ltd",
        "analytical-engines.io",
        "Computer Software",
        "United Kingdom",
        "England",
        "London",
    ),
    ("Navy Labs", "navy-labs.com", "Defense & Space", "United States", "Virginia", "Arlington"),
    ("Wind Tunnel Inc.", "wind-tunnel.io", "Aviation & Aerospace", "United States", "Virginia", "Hampton"),
    (
        "Bletchley Analytics",
        "bletchley.co.uk",
        "Information Technology",
        "United Kingdom",
        "England",
        "Bletchley",
    ),
    ("Granville Consulting", "granville.org", "Management Consulting", "Germany", "Berlin", "Berlin"),
    (
        "Optimising Compilers",
        "optimising-compilers.com",
        "Computer Software",
        "France",
        "Île-de-France",
        "Paris",
    ),
]
TITLES = ["Head of Data", "VP Engineering", "Marketing Manager", "CTO", "Director of Operations", "Analyst"]
BANDS = ["1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+"]
OWNERS = ["Sam Rivera", "Priya Natarajan", "Chen Wei", ""]
SOURCES = [
    ("Organic Search", "google"),
    ("Paid Search", "google"),
    ("Email Marketing", "newsletter"),
    ("Organic Social", "LinkedIn"),
    ("Referrals", "partner.example"),
    ("Direct Traffic", ""),
    ("Offline Sources", "IMPORT"),
]
CAMPAIGNS = ["Q3 Analytics Webinar", "Ops Benchmark Report", "Customer Stories Nurture", ""]
LEAD_STATUSES = [
    "New",
    "Open",
    "In Progress",
    "Attempted to Contact",
    "Connected",
    "Bad Timing",
    "Unqualified",
]
# (label, "Became a ..." column) in funnel order, and how likely a contact got at least that far
FUNNEL = [
    ("Subscriber", "Became a Subscriber Date", 1.0),
    ("Lead", "Became a Lead Date", 0.85),
    ("Marketing Qualified Lead", "Became a Marketing Qualified Lead Date", 0.35),
    ("Sales Qualified Lead", "Became a Sales Qualified Lead Date", 0.2),
    ("Opportunity", "Became an Opportunity Date", 0.12),
    ("Customer", "Became a Customer Date", 0.05),
]
START = datetime(2023, 1, 1, 8, 0)


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def hubspot_contact_row(i: int, seed: int = 0) -> dict[str, str]:
    """The ``i``-th contact of the export with this seed, as label -> cell."""
    rng = random.Random(f"{seed}:{i}")
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company, domain, industry, country, region, city = rng.choice(COMPANIES)
    source, drill_down = rng.choice(SOURCES)
    created = START + timedelta(minutes=rng.randrange(60 * 24 * 600))
    row = dict.fromkeys(HEADER, "")
    row |= {
        "Record ID": str(100001 + i),
        "First Name": first,
        "Last Name": last,
        "Email": f"{first}.{last}.{i}@{domain}" if rng.random() < 0.9 else f"{first}.{last}.{i}@gmail.com",
        "Phone Number": f"+1 555 {rng.randrange(10**7):07d}" if rng.random() < 0.4 else "",
        "Company Name": company,
        "Associated Company": company if rng.random() < 0.7 else "",
        "Job Title": rng.choice(TITLES),
        "Industry": industry,
        "Number of Employees": rng.choice(BANDS),
        "Annual Revenue": str(rng.randrange(1, 500) * 100_000) if rng.random() < 0.5 else "",
        "Country/Region": country,
        "State/Region": region,
        "City": city,
        "Contact owner": rng.choice(OWNERS),
        "Create Date": _when(created),
        "Lead Status": rng.choice(LEAD_STATUSES) if rng.random() < 0.5 else "",
        "Original Source": source,
        "Original Source Drill-Down 1": drill_down,
        "First Conversion": "Newsletter signup",
        "First Conversion Date": _when(created),
        "First Touch Converting Campaign": rng.choice(CAMPAIGNS),
        "Last Touch Converting Campaign": rng.choice(CAMPAIGNS),
        "HubSpot Score": str(rng.randrange(0, 100)),
        "Number of times contacted": str(rng.randrange(0, 12)),
        "Number of Sales Activities": str(rng.randrange(0, 20)),
        "Unsubscribed from all email": "true" if rng.random() < 0.05 else "false",
        "Marketing emails opened": str(rng.randrange(0, 30)),
        "Marketing emails clicked": str(rng.randrange(0, 8)),
        "Marketing emails delivered": str(rng.randrange(0, 40)),
        "Marketing contact status": "Marketing contact" if rng.random() < 0.8 else "Non-marketing contact",
        "Persona": rng.choice(["Persona 1", "Persona 2", ""]),
        "Preferred language": "English",
    }
    at = created
    for label, column, chance in FUNNEL:
        if rng.random() > chance:
            break
        row[column] = _when(at)
        row["Lifecycle Stage"] = label
        at += timedelta(hours=rng.randrange(1, 24 * 30))
    row["Last Modified Date"] = row["Last Activity Date"] = _when(at)
    if row["Became a Marketing Qualified Lead Date"] and row["Contact owner"]:
        row["Owner Assigned Date"] = row["Became a Marketing Qualified Lead Date"]
    if row["Became a Customer Date"]:
        won = datetime.strptime(row["Became a Customer Date"], "%Y-%m-%d %H:%M")
        amount = str(rng.randrange(5, 200) * 1000)
        to_customer = won - datetime.strptime(row["Became a Lead Date"], "%Y-%m-%d %H:%M")
        hours, rest = divmod(int(to_customer.total_seconds()), 3600)
        row |= {
            "Days To Close": str((won - created).days),
            "Recent Deal Amount": amount,
            "Total Revenue": amount,
            "Number of Associated Deals": "1",
            "Associated Deal IDs": str(9_000_000 + i),
            "Time to move from lead to customer (HH:mm:ss)": f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}",
        }
    return row


def write_hubspot_export(path: Path, n: int, seed: int = 0) -> None:
    """A HubSpot "All properties" contacts export of ``n`` valid contacts, the same for the same seed."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for i in range(n):
            writer.writerow(hubspot_contact_row(i, seed))
