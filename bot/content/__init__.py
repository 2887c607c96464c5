"""The lesson library: model, parser and validator, catalog with live reload, and lookup."""

from bot.content.catalog import Catalog, CatalogChange
from bot.content.model import Choice, Lesson, Problem, Question, Severity
from bot.content.search import LookupHit, LookupResult

__all__ = [
    "Catalog",
    "CatalogChange",
    "Choice",
    "Lesson",
    "LookupHit",
    "LookupResult",
    "Problem",
    "Question",
    "Severity",
]
