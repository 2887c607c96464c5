"""The trainer dashboard: figures, pages, sign-in and the web routes."""
