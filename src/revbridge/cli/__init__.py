"""The ``revbridge`` command line: parses input, calls one service, formats the output."""
