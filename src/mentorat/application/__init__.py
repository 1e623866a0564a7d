"""Use cases and the ports they need: one async transaction per user intention."""
