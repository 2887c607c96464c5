"""A real learning record store for the xAPI tests: Ralph (the ``ralph-malph`` package, from
the dev extra) run on a free port, storing to its file-system backend in a temporary folder,
with one HTTP Basic account."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.network import free_port

ROOT = Path(__file__).resolve().parents[2]
USERNAME = "microlearn"
PASSWORD = "not-a-real-secret"



@dataclass
class Ralph:
    """One Ralph LRS process (``start`` / ``stop`` again on the same port)."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self, timeout: float = 60.0) -> Ralph:
        import bcrypt  # Ralph's own dependency

        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "lrs").mkdir(exist_ok=True)
        auth = self.folder / "auth.json"
        if not auth.exists():
            digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
            auth.write_text(json.dumps([{"username": USERNAME, "hash": digest, "scopes": ["all"],
                                         "agent": {"mbox": "mailto:microlearn@example.com"}}]))
        env = {key: value for key, value in os.environ.items() if not key.startswith("RALPH_")}
        env.update({"RALPH_RUNSERVER_BACKEND": "fs", "RALPH_AUTH_FILE": str(auth),
                    "RALPH_APP_DIR": str(self.folder),
                    "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "lrs")})
        log = (self.folder / "ralph.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.ralph_server", str(self.port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited: {(self.folder / 'ralph.log').read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__lbheartbeat__",
                                            timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Ralph did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            self.process = None

    def statements(self) -> list[dict[str, Any]]:
        """Every statement Ralph holds (newest first, as the LRS answers)."""
        found: list[dict[str, Any]] = []
        url: str | None = f"{self.endpoint}statements?limit=500"
        while url:
            request = urllib.request.Request(url, headers={
                "X-Experience-API-Version": "1.0.3",
                "Authorization": "Basic " + base64.b64encode(
                    f"{USERNAME}:{PASSWORD}".encode()).decode()})
            with urllib.request.urlopen(request, timeout=10) as response:
                page = json.loads(response.read())
            found += page["statements"]
            more = page.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else None
        return found
