"""The local host's web and worker roles as child processes that can be killed and restarted.

Each incarnation writes its output to its own log file (``web-3.log``), so the checker can read
what every incarnation did, including those that were killed.
"""

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import IO, Literal

Role = Literal["web", "worker", "all"]

STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0
_LISTENING = re.compile(r"^Listening on (http://127\.0\.0\.1:\d+)$", re.MULTILINE)
_STARTED = "Host started (role: "


class HostStartFailed(Exception):
    pass


def overlay_app_dir(repo: Path, target: Path, *, lock_renewal: bool) -> Path:
    """The repository's app, optionally with Service Bus lock renewal switched off.

    With renewal off (host.json maxAutoLockRenewalDuration 00:00:00), a handler that runs
    longer than the lock loses it and the message is delivered again while it still runs.
    The local host reads that only from host.json, so the app is laid out afresh: a copy of
    host.json and links to the real function folders.
    """
    if lock_renewal:
        return repo
    target.mkdir(parents=True, exist_ok=True)
    host = json.loads((repo / "host.json").read_text(encoding="utf-8"))
    host["extensions"]["serviceBus"]["maxAutoLockRenewalDuration"] = "00:00:00"
    (target / "host.json").write_text(json.dumps(host, indent=2), encoding="utf-8")
    for function_json in repo.glob("*/function.json"):
        link = target / function_json.parent.name
        if not link.exists():
            link.symlink_to(function_json.parent, target_is_directory=True)
    return target


class HostProcess:
    """One role of the local host; start() again after it died starts a new incarnation."""

    def __init__(
        self,
        role: Role,
        *,
        repo: Path,
        app_dir: Path,
        env: dict[str, str],
        logs: Path,
        python: str = sys.executable,
    ) -> None:
        self.role = role
        self._python = python
        self._repo = repo
        self._app_dir = app_dir
        self._env = env
        self._logs = logs
        self.incarnation = 0
        self.exit_codes: list[int] = []
        self.base_url: str | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._log_file: IO[bytes] | None = None
        self._ready = False

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def serves_http(self) -> bool:
        return self.role != "worker"

    @property
    def ready(self) -> bool:
        """Running, and past its startup (the web role is listening)."""
        return self.running and self._ready

    @property
    def exited(self) -> bool:
        """Started, and has died since (crashed or killed)."""
        return self._process is not None and self._process.returncode is not None

    async def start(self, seed: int) -> None:
        self._reap()
        self.incarnation += 1
        self.base_url = None
        self._ready = False
        log_path = self._logs / f"{self.role}-{self.incarnation}.log"
        self._log_file = log_path.open("wb")
        arguments = ["--role", self.role, "--app-dir", str(self._app_dir)]
        if self.serves_http:
            arguments += ["--port", "0", "--host", "127.0.0.1"]
        self._process = await asyncio.create_subprocess_exec(
            self._python,
            "-m",
            "local_host",
            *arguments,
            cwd=self._repo,
            env={**self._env, "FaultSeed": str(seed)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        await self._wait_until_started(log_path)

    async def _wait_until_started(self, log_path: Path) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            text = await asyncio.to_thread(log_path.read_text, encoding="utf-8", errors="replace")
            if self.serves_http:
                listening = _LISTENING.search(text)
                if listening:
                    self.base_url = listening[1]
                    self._ready = True
                    return
            elif _STARTED in text:
                self._ready = True
                return
            if self.exited:
                raise HostStartFailed(f"{self.role} exited at startup:\n{text[-3000:]}")
            await asyncio.sleep(0.05)
        raise HostStartFailed(f"{self.role} did not start within {STARTUP_TIMEOUT_SECONDS}s")

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no settling of messages, as when a machine dies."""
        process = self._process
        if process is not None and process.returncode is None:
            # It may have died (an injected crash) and been reaped a moment before asyncio
            # records its return code: then there is nothing left to kill.
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            await process.wait()

    async def stop(self) -> None:
        """A graceful stop (SIGTERM), then SIGKILL if it takes too long."""
        process = self._process
        if process is None or process.returncode is not None:
            self._reap()
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            await self.kill()
        self._reap()

    def kill_now(self) -> None:
        """Synchronous last-resort cleanup: never leave a child running."""
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _reap(self) -> None:
        if self._process is not None and self._process.returncode is not None:
            self.exit_codes.append(self._process.returncode)
            self._process = None
        if self._log_file is not None and self._process is None:
            self._log_file.close()
            self._log_file = None
