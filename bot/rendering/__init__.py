"""Neutral messages to text: one Jinja2 template per message kind."""
