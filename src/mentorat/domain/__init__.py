"""The mentoring domain: pure, synchronous rules with no I/O and no framework."""
