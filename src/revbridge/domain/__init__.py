"""Pure business rules: no I/O, never reads the clock (callers pass ``now``)."""
