"""When things happen: ticks, due times, time zones and outbox dispatch.

The scheduler lands with issue #4; this package exists so the layout of DESIGN.md is in place.
"""
