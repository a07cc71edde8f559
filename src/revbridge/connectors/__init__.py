"""Importers for the tools teams already use (HubSpot, Salesforce, generic CSV) and outbound senders."""
