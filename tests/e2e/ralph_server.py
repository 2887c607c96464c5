"""Runs Ralph's LRS API for the xAPI tests: ``python -m tests.e2e.ralph_server PORT``.

Ralph 5.1's file-system LRS backend writes with its data backend's default operation,
"create", which refuses to touch the file once it exists: every write after the first answers
500. A file-system LRS only ever appends, so the test server sets "append" before the API loads
(an upstream bug in the LRS under test, worked around here; microlearn's side of the protocol is
untouched, and speaks plain HTTP to this process).
"""

from __future__ import annotations

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend


def main() -> None:
    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
