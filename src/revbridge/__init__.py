"""RevBridge: one place for marketing and sales.

Every lead's journey, the marketing-sales SLA as code, and the numbers both teams trust.
"""

__version__ = "0.1.0"
