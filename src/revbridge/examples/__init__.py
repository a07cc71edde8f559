"""Example files shipped with RevBridge; the SLA here is the demo's default."""
