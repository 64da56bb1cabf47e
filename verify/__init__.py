"""Verification harness of s2cnn: pytest suites and ``python -m verify`` (a report that exits
non-zero when any backend misses its tolerance)."""
