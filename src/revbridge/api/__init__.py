"""The HTTP API (``revbridge serve``): FastAPI over the services, errors as RFC 9457 problem details."""
