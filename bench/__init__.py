"""Benchmarks of mentorat against the DRF reference and the ceilings (not part of the tests)."""
