"""Adapters: real technologies plugged into the application ports."""
