"""Shared numbers: funnel, velocity, SLA compliance, feedback loop, attribution, revenue."""
