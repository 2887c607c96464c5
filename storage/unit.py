"""A unit of work: one transaction and the repositories that work in it.

This is what the engine and the scheduler get instead of a database session: the repositories
of one transaction, and savepoints inside it. Nothing outside ``storage`` sees a session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from storage.identity import Accounts
from storage.personal import PersonalData
from storage.repositories import (
    Answers,
    Asks,
    Badges,
    Cards,
    Checks,
    Deliveries,
    Flags,
    InboundEvents,
    Learners,
    Lookups,
    Points,
    Polls,
    Progress,
    SignIns,
    Snapshots,
    Streaks,
    Voices,
    Workers,
)


class Unit:
    """The repositories of one transaction (committed or rolled back as a whole)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.learners = Learners(session)
        self.deliveries = Deliveries(session)
        self.workers = Workers(session)
        self.polls = Polls(session)
        self.events = InboundEvents(session)
        self.progress = Progress(session)
        self.cards = Cards(session)
        self.answers = Answers(session)
        self.points = Points(session)
        self.streaks = Streaks(session)
        self.badges = Badges(session)
        self.flags = Flags(session)
        self.asks = Asks(session)
        self.lookups = Lookups(session)
        self.signins = SignIns(session)
        self.snapshots = Snapshots(session)
        self.voices = Voices(session)
        self.personal = PersonalData(session)
        self.accounts = Accounts(session)
        self.checks = Checks(session)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: an error inside rolls back only what was done inside."""
        with self._session.begin_nested():
            yield
