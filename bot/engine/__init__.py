"""The learning engine: what to say and what to record, the same on every platform."""
