"""What a metric can be sliced by, in words: the names and meanings both teams see in ``--by``'s help.
The slices themselves are computed in ``analytics/dimensions.py``."""

from __future__ import annotations

DIMENSIONS = {
    "channel": "the channel of the lead's campaign, else its lead source",
    "source": "the lead source the lead came with (HubSpot's Original Source, Salesforce's LeadSource)",
    "campaign": "the campaign that brought the lead",
    "segment": "company size: enterprise (1,000+ employees), mid-market (200–999), smb (1–199)",
    "owner": "the person the lead is routed to",
    "score_band": "the lead's current combined score in bands of 20 points: 0–20, 20–40, … 80–100, 100+",
}
