"""Adapters translate between a platform and the neutral message model; nothing more."""
