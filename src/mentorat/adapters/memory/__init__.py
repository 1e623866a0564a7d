"""In-memory adapters: working fakes for tests, docs and services that embed mentorat."""
