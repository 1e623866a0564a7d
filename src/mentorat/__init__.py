"""mentorat: a mentorship service as a pure domain library with SQL and HTTP adapters."""

__version__ = "0.1.0"
