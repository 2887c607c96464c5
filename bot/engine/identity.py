"""`link`, `link CODE`, `unlink`, `push`: one learner on several platforms.

`link` gives a one-time code (only its SHA-256 is stored), valid for a few minutes; `link CODE`
typed on another platform joins that account to the code's learner: storage merges the two
learners' records, each conflict by its rule (:meth:`storage.identity.Accounts.merge`). Lessons
and quizzes go to one of the learner's accounts (`push slack|telegram`); `unlink` takes the
account that typed it off again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bot.engine.turn import Turn
from bot.messages import LinkCode, Linked, Notice, NoticeCode, PushTo, Unlinked

CODE_MINUTES = 10
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: the code is read on one screen and typed on another."""
CODE_LENGTH = 8


def code_hash(code: str) -> str:
    """What is stored of a code (typed in any case, with or without spaces or dashes)."""
    plain = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def link(turn: Turn, args: str) -> None:
    """A code to type on the other platform, or (with a code) this account joins its
    learner."""
    if not args.strip():
        code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
        turn.unit.accounts.add_code(code_hash(code), turn.learner.id, turn.now,
                                    turn.now + timedelta(minutes=CODE_MINUTES))
        turn.say(LinkCode(code, CODE_MINUTES))
        return
    accounts = turn.unit.accounts
    # Checked before it is used up: a refused link leaves the code to its owner's account.
    target = accounts.code_owner(code_hash(args), turn.now)
    if target is None:
        turn.say(Notice(NoticeCode.LINK_UNKNOWN))
        return
    if target == turn.learner.id:
        turn.say(Notice(NoticeCode.LINK_SELF))
        return
    theirs = {account.platform for account in accounts.accounts(target)}
    mine = {account.platform for account in accounts.accounts(turn.learner.id)}
    if theirs & mine:  # one account per platform: which would get the lessons?
        turn.say(Notice(NoticeCode.LINK_TAKEN))
        return
    if accounts.take_code(code_hash(args), turn.now) != target:  # used at this moment
        turn.say(Notice(NoticeCode.LINK_UNKNOWN))
        return
    accounts.merge(target, turn.learner.id, turn.now)
    joined = accounts.accounts(target)
    turn.say(Linked(tuple(account.platform for account in joined), joined[0].platform))


def unlink(turn: Turn, _: str) -> None:
    """The account that typed it leaves the learner (the learning stays with the others)."""
    if turn.account is None or not turn.unit.accounts.unlink(turn.learner.id, *turn.account,
                                                            turn.now):
        turn.say(Notice(NoticeCode.NOT_LINKED))
        return
    turn.say(Unlinked(turn.account[0]))


def push(turn: Turn, args: str) -> None:
    """Lessons and quizzes to the learner's account on the platform named."""
    accounts = turn.unit.accounts.accounts(turn.learner.id)
    platform = args.strip().lower()
    if not platform:
        turn.say(PushTo(accounts[0].platform if accounts else turn.learner.platform.value,
                        changed=False))
        return
    if accounts and accounts[0].platform == platform:
        turn.say(PushTo(platform, changed=False))
        return
    if not turn.unit.accounts.push_to(turn.learner.id, platform, turn.now):
        turn.say(Notice(NoticeCode.PUSH_WHERE))
        return
    turn.say(PushTo(platform))
