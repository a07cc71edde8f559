"""What the simulated company's market looks like: channels and campaigns, companies, people, deals.

Plain data and the few numbers that shape the funnel. The conversion probabilities live in
``model.py``; everything here is vocabulary and volume.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY = "Northwind Cloud"
COMPANY_DOMAIN = "northwind.example"
PRODUCT = "Northwind Data Platform"
SOURCE = "demo"  # the `source` of every simulated record

TIERS: tuple[str, ...] = ("high", "medium", "low")  # how well a lead fits the ideal customer profile


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """A campaign; ``windows`` are (month, day, days) when it runs, none meaning always on. With
    ``ends_on_date`` a window is the ``days`` up to and including that date (a webinar's registrations)."""

    name: str
    weight: float = 1.0
    windows: tuple[tuple[int, int, int], ...] = ()
    ends_on_date: bool = False


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """A marketing channel: how many leads it brings per active campaign-day, who they are, what they cost."""

    name: str
    volume: float
    tier_mix: tuple[float, float, float]  # P(high), P(medium), P(low) fit
    conversion: str  # the touchpoint that makes someone a lead here
    campaigns: tuple[CampaignSpec, ...]
    cost_per_lead: float = 0.0  # 0: the channel has no media spend
    pre_touch: str = "page_view"  # what such leads typically did before converting


def _webinar(name: str, *sessions: tuple[int, int]) -> CampaignSpec:
    """A webinar series: registrations in the three weeks up to each session."""
    return CampaignSpec(name, 1.0, tuple((month, day, 21) for month, day in sessions), ends_on_date=True)


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "paid_search",
        volume=0.8,
        tier_mix=(0.25, 0.45, 0.30),
        conversion="form_fill",
        pre_touch="ad_click",
        cost_per_lead=210.0,
        campaigns=(
            CampaignSpec("Google Ads – Brand", 1.0),
            CampaignSpec("Google Ads – Data platform (generic)", 1.6),
            CampaignSpec("Google Ads – Competitor terms", 0.6),
            CampaignSpec("Bing Ads – Generic", 0.4),
        ),
    ),
    ChannelSpec(
        "paid_social",
        volume=0.75,
        tier_mix=(0.15, 0.40, 0.45),
        conversion="form_fill",
        pre_touch="ad_click",
        cost_per_lead=120.0,
        campaigns=(
            CampaignSpec("LinkedIn – ABM target accounts", 1.0),
            CampaignSpec("LinkedIn – Lead gen forms", 1.4),
            CampaignSpec("Meta – Retargeting", 0.6),
        ),
    ),
    ChannelSpec(
        "organic_search",
        volume=0.9,
        tier_mix=(0.22, 0.43, 0.35),
        conversion="content_download",
        campaigns=(
            CampaignSpec("Blog – Data engineering guides", 1.2),
            CampaignSpec("SEO – Comparison pages", 0.8),
            CampaignSpec("Docs and tutorials", 0.6),
        ),
    ),
    ChannelSpec(
        "email",
        volume=0.45,
        tier_mix=(0.25, 0.45, 0.30),
        conversion="form_fill",
        pre_touch="email_click",
        campaigns=(
            CampaignSpec("Monthly newsletter", 1.0),
            CampaignSpec("Nurture – Data platform basics", 1.0),
            CampaignSpec("Product launch announcement", 3.0, ((5, 1, 42),)),
            CampaignSpec("Event follow-up sequence", 2.0, ((4, 20, 21), (10, 12, 21))),
        ),
    ),
    ChannelSpec(
        "events",
        volume=14.0,
        tier_mix=(0.40, 0.40, 0.20),
        conversion="event_attended",
        cost_per_lead=420.0,
        campaigns=(
            CampaignSpec("DataWorld Summit – Austin", 1.4, ((4, 15, 4),)),
            CampaignSpec("Cloud Data Expo Europe – Amsterdam", 1.0, ((10, 7, 4),)),
            CampaignSpec("Regional roadshow – Chicago", 0.5, ((3, 11, 2), (9, 16, 2))),
            CampaignSpec("Partner field event – Toronto", 0.4, ((6, 5, 2), (11, 13, 2))),
        ),
    ),
    ChannelSpec(
        "webinar",
        volume=2.0,
        tier_mix=(0.30, 0.45, 0.25),
        conversion="webinar_registered",
        cost_per_lead=65.0,
        campaigns=(
            _webinar("Webinar – Modern data stack 101", (2, 20), (5, 21), (9, 24), (11, 19)),
            _webinar("Webinar – Cutting cloud warehouse costs", (3, 27), (6, 26), (10, 23)),
            _webinar("Webinar – Customer story: analytics at scale", (4, 29), (12, 4)),
        ),
    ),
    ChannelSpec(
        "referral",
        volume=0.45,
        tier_mix=(0.45, 0.40, 0.15),
        conversion="form_fill",
        campaigns=(
            CampaignSpec("Customer referral program", 1.0),
            CampaignSpec("Partner referrals – consulting partners", 0.7),
        ),
    ),
    ChannelSpec(
        "direct",
        volume=0.7,
        tier_mix=(0.25, 0.45, 0.30),
        conversion="form_fill",
        campaigns=(
            CampaignSpec("Website – Contact us", 1.0),
            CampaignSpec("Website – Pricing page", 0.7),
        ),
    ),
)

# Lead arrivals by calendar month (B2B: strong spring and autumn, quiet August and late December).
MONTH_FACTOR: tuple[float, ...] = (0.9, 1.0, 1.15, 1.1, 1.05, 0.95, 0.8, 0.7, 1.05, 1.15, 1.1, 0.75)
WEEKDAY_FACTOR: tuple[float, ...] = (1.0, 1.05, 1.05, 1.0, 0.9, 0.35, 0.3)  # Monday first

# --- companies ----------------------------------------------------------------------------------------

DEFAULT_TARGET_INDUSTRIES: tuple[str, ...] = ("software", "fintech", "healthcare it")
OTHER_INDUSTRIES: tuple[str, ...] = (
    "manufacturing",
    "retail",
    "logistics",
    "media",
    "education",
    "professional services",
    "energy",
    "insurance",
    "telecommunications",
)
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "software": ("Software", "Labs", "Systems", "Technologies", "Cloud", "Digital"),
    "fintech": ("Pay", "Capital", "Finance", "Ledger", "Payments"),
    "healthcare it": ("Health", "Care", "Medical Systems", "Clinical"),
    "manufacturing": ("Manufacturing", "Industries", "Components", "Machines"),
    "retail": ("Retail", "Stores", "Brands", "Market"),
    "logistics": ("Logistics", "Freight", "Supply", "Transport"),
    "media": ("Media", "Studios", "Publishing"),
    "education": ("Learning", "Academy", "Education"),
    "professional services": ("Consulting", "Partners", "Advisory"),
    "energy": ("Energy", "Power", "Renewables"),
    "insurance": ("Insurance", "Mutual", "Assurance"),
    "telecommunications": ("Telecom", "Networks", "Communications"),
}
GENERIC_WORDS: tuple[str, ...] = ("Group", "Holdings", "Solutions", "Company", "Global", "Works")
NAME_PREFIXES: tuple[str, ...] = (
    "Blue", "North", "Silver", "Bright", "Cedar", "Iron", "Granite", "Summit", "River", "Maple",
    "Pine", "Coral", "Falcon", "Harbor", "Orchid", "Quartz", "Atlas", "Beacon", "Cobalt", "Delta",
    "Ember", "Fjord", "Helix", "Juniper", "Keystone", "Lumen", "Meridian", "Nova", "Onyx", "Pioneer",
    "Redwood", "Sable", "Tidal", "Vertex", "Willow", "Zenith", "Aurora", "Crest", "Everest", "Sterling",
)  # fmt: skip
NAME_CORES: tuple[str, ...] = (
    "field", "stone", "wave", "point", "bridge", "line", "path", "gate", "works", "scale",
    "loop", "forge", "leaf", "peak", "mark", "view", "light", "port", "dale", "ridge",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    weight: float
    region: str
    dial: str
    legal: str  # the usual legal suffix of a company name there
    cities: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country("US", 0.42, "NA", "+1", "Inc.", ("New York", "San Francisco", "Austin", "Chicago", "Boston", "Seattle")),
    Country("CA", 0.05, "NA", "+1", "Inc.", ("Toronto", "Vancouver", "Montreal")),
    Country("GB", 0.11, "EMEA", "+44", "Ltd", ("London", "Manchester", "Edinburgh")),
    Country("DE", 0.09, "EMEA", "+49", "GmbH", ("Berlin", "Munich", "Hamburg")),
    Country("FR", 0.06, "EMEA", "+33", "SAS", ("Paris", "Lyon")),
    Country("NL", 0.04, "EMEA", "+31", "B.V.", ("Amsterdam", "Rotterdam", "Utrecht")),
    Country("ES", 0.03, "EMEA", "+34", "S.L.", ("Madrid", "Barcelona")),
    Country("SE", 0.02, "EMEA", "+46", "AB", ("Stockholm", "Gothenburg")),
    Country("AU", 0.05, "APAC", "+61", "Pty Ltd", ("Sydney", "Melbourne")),
    Country("IN", 0.06, "APAC", "+91", "Pvt Ltd", ("Bengaluru", "Pune", "Hyderabad")),
    Country("SG", 0.02, "APAC", "+65", "Pte Ltd", ("Singapore",)),
    Country("BR", 0.03, "LATAM", "+55", "Ltda", ("São Paulo", "Rio de Janeiro")),
    Country("MX", 0.02, "LATAM", "+52", "S.A.", ("Mexico City", "Monterrey")),
)
DEFAULT_TARGET_COUNTRIES: tuple[str, ...] = ("US", "CA", "GB", "DE", "NL", "FR")


@dataclass(frozen=True, slots=True)
class SizeBand:
    """Companies of a size, and what a deal with one is like."""

    name: str
    low: int  # employees, inclusive
    high: int
    mean_deal: float  # mean first-year contract value
    cycle_days: tuple[float, float]  # an opportunity closes uniformly within this many days
    plan: str


SIZE_BANDS: tuple[SizeBand, ...] = (
    SizeBand("small", 10, 199, 14_000.0, (20.0, 55.0), "Starter"),
    SizeBand("mid-market", 200, 999, 42_000.0, (30.0, 80.0), "Growth"),
    SizeBand("large", 1000, 5000, 96_000.0, (45.0, 110.0), "Enterprise"),
    SizeBand("enterprise", 5001, 50_000, 210_000.0, (60.0, 120.0), "Enterprise"),
)
DEAL_SPREAD = 0.45  # sigma of the log-normal spread of a deal around its band's mean

# --- people -------------------------------------------------------------------------------------------

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Wei", "Aisha", "Carlos", "Emma", "Liam", "Olivia", "Noah", "Ava", "Mateo", "Sofia",
    "Lukas", "Hannah", "Arjun", "Priya", "Kenji", "Yuki", "Omar", "Fatima", "Ethan", "Mia", "Lucas", "Chloe",
    "Daniel", "Grace", "Samuel", "Zoe", "Elena", "Marco", "Anna", "David", "Sarah", "Ravi", "Meera", "Jonas",
    "Lea", "Pierre", "Camille", "Diego", "Valentina", "Tom", "Alice", "Ben", "Nora", "Oscar", "Ingrid", "Sven",
    "Chen", "Mei", "Ahmed", "Layla", "Isaac", "Ruth", "Kofi", "Ama", "Tariq", "Nadia", "Felix", "Clara",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Chen", "Patel", "Garcia", "Müller", "Schmidt", "Dubois", "Martin", "Rossi",
    "Nguyen", "Kim", "Tanaka", "Sato", "Brown", "Wilson", "Taylor", "Anderson", "Thomas", "Moore",
    "Jackson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright",
    "Lopez", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Perez", "Roberts",
    "Jansen", "de Vries", "Bakker", "Andersson", "Johansson", "Silva", "Santos", "Kowalski", "Novak", "Haddad",
    "Okafor", "Mensah", "Singh", "Sharma", "Iyer", "Fischer", "Weber", "Meyer", "Bernard", "Laurent",
)  # fmt: skip
TITLES: dict[str, tuple[str, ...]] = {
    "high": (
        "VP of Data",
        "Head of Analytics",
        "Director of Data Engineering",
        "Chief Data Officer",
        "CTO",
        "VP Engineering",
        "Director of Business Intelligence",
    ),
    "medium": (
        "Data Engineer",
        "Analytics Manager",
        "Senior Data Analyst",
        "BI Developer",
        "Data Architect",
        "IT Manager",
        "Engineering Manager",
    ),
    "low": (
        "Marketing Coordinator",
        "Student",
        "Intern",
        "Freelance Consultant",
        "Sales Associate",
        "Office Manager",
        "Junior Developer",
    ),
}
FREE_MAIL: tuple[str, ...] = ("gmail.com", "outlook.com", "yahoo.com")

# The company's own people. The marketing and sales leads are whoever signs the SLA.
MARKETING_PEOPLE: tuple[tuple[str, str], ...] = (
    ("Priya Raman", "Demand generation manager"),
    ("Tom Becker", "Marketing operations"),
    ("Aiko Tanaka", "Content marketing manager"),
)
SDR_NAMES: tuple[str, ...] = ("Jordan Miles", "Fatima Zahra", "Lucas Moreau", "Nina Petrova")
AE_NAMES: tuple[str, ...] = (
    "Grace Kim",
    "Daniel Reyes",
    "Olivia Brooks",
    "Ethan Walsh",
    "Sofia Rossi",
    "Jonas Weber",
    "Hiro Nakamura",
    "Amara Diallo",
)
# Beside the two teams: who runs the system, and who only reads the numbers. (name, title, team)
ADMIN = ("Alex Chen", "Revenue operations", "revops")
VIEWER = ("Nina Patel", "Chief financial officer", "finance")
SALES_LEADERSHIP_TEAM = "sales_leadership"
MARKETING_TEAM = "marketing"

LOST_REASONS: tuple[tuple[str, float], ...] = (
    ("Chose a competitor", 0.32),
    ("No decision", 0.26),
    ("Price", 0.18),
    ("Timing", 0.14),
    ("Missing feature", 0.10),
)
ACCEPT_NOTES: tuple[str, ...] = (
    "Good fit, booked a discovery call.",
    "Active evaluation, wants pricing.",
    "Strong intent: asked for a demo this week.",
    "Right persona, existing warehouse pain.",
)
REJECT_NOTES: tuple[str, ...] = (
    "Talked briefly; see reason.",
    "Not a match right now.",
    "Checked LinkedIn before calling.",
)
PAGES: tuple[str, ...] = ("/", "/product", "/blog", "/customers", "/docs", "/integrations", "/security")
