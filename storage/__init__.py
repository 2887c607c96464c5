"""Persistence: SQLModel tables, repositories and migrations.

Storage lands with issue #3; this package exists so the layout of DESIGN.md is in place.
"""
