"""End-to-end fixtures: the local host as real subprocesses on a temporary data directory.

* ``local_host`` - one ``python -m local_host --role all --port 0`` process on the repository's
  app, started and ready (its ``Listening on`` line seen). A ``HostProcess``.
* ``split_hosts`` - a web and a worker process sharing one data directory, each stoppable and
  restartable on its own. A ``SplitHosts`` with ``.web``, ``.worker`` and ``.client()``.
* ``host_factory`` - a ``HostFactory`` to start more hosts: other roles, another app directory,
  extra app settings, a shared data directory.

Every process a test starts is killed at teardown, whether the test passed or not. All hosts
listen on 127.0.0.1 only, on a port the OS picks.
"""

import atexit
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from tests.e2e.api_client import ApiClient

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 30.0
# The host waits up to 30 s for running invocations; a little more before giving up on it.
STOP_TIMEOUT_SECONDS = 40.0

Role = Literal["all", "web", "worker"]

_LISTENING = re.compile(r"^Listening on (http://127\.0\.0\.1:\d+)$")
_STARTED = "Host started (role: "

# Safety net for a test run that dies before teardown: no host outlives the test session.
_live_processes: set["subprocess.Popen[str]"] = set()


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_live_processes):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()


def embedded_host_settings(data_dir: Path) -> dict[str, str]:
    """App settings that keep a host on the embedded backends in ``data_dir``."""
    return {
        "StorageBackend": "sqlite",
        "MessagingBackend": "sqlite",
        "EmbeddedDataDir": str(data_dir),
        "SubmitOrderQueue": "submit-order",
    }


class HostStartFailed(Exception):
    """The host exited, or printed nothing to say it was ready, during start()."""


class OutputNotSeen(AssertionError):
    """wait_for_output() gave up: the host exited or the line did not come in time."""


class HostProcess:
    """One local host process; after stop() or kill(), start() runs a new incarnation.

    ``output`` holds every line the current incarnation printed (stdout and stderr), and
    ``all_output`` those of every incarnation so far.
    """

    def __init__(
        self,
        *,
        role: Role = "all",
        app_dir: Path = REPO_ROOT,
        settings: Mapping[str, str],
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.role = role
        self.app_dir = app_dir
        self.settings = dict(settings)
        self.extra_args = extra_args
        self.process: subprocess.Popen[str] | None = None
        self.base_url: str | None = None
        self.output: list[str] = []
        self.all_output: list[str] = []
        self.exit_codes: list[int] = []
        self._lines_changed = threading.Condition()
        self._reader: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        """The API root, ``http://127.0.0.1:<port>/api``."""
        if self.base_url is None:
            raise RuntimeError(f"The {self.role} host serves no HTTP or has not started.")
        return f"{self.base_url}/api"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("The host has not been started.")
        return self.process.pid

    def client(self, *, timeout: float = 10.0) -> ApiClient:
        """A client on the API root: ``client.get("/products")``. Close it (or use ``with``)."""
        return ApiClient(self.api_url, timeout=timeout)

    def start(self, *, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        """Start a new incarnation and wait until it is ready to serve."""
        if self.running:
            raise RuntimeError(f"The {self.role} host is already running.")
        self._reap()
        self.output = []
        self.base_url = None
        command = [
            sys.executable,
            "-m",
            "local_host",
            "--role",
            self.role,
            "--app-dir",
            str(self.app_dir),
            "--host",
            "127.0.0.1",
            *self.extra_args,
        ]
        if self.role != "worker":
            command += ["--port", "0"]
        environment = {**os.environ, **self.settings, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            # Its own session: a Ctrl+C in the terminal running pytest does not reach it.
            start_new_session=True,
        )
        _live_processes.add(self.process)
        self._reader = threading.Thread(target=self._read_output, args=(self.process,), daemon=True)
        self._reader.start()
        try:
            if self.role == "worker":
                self.wait_for_output(re.escape(_STARTED), timeout=timeout)
            else:
                line = self.wait_for_output(_LISTENING.pattern, timeout=timeout)
                listening = _LISTENING.match(line)
                assert listening is not None
                self.base_url = listening[1]
        except OutputNotSeen as missing:
            self.kill()
            raise HostStartFailed(str(missing)) from None

    def wait_for_output(self, pattern: str, *, timeout: float = 10.0, after: int = 0) -> str:
        """The first line of this incarnation (from index ``after``) matching the regex."""
        compiled = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._lines_changed:
            while True:
                for line in self.output[after:]:
                    if compiled.search(line):
                        return line
                if not self._reader_alive():
                    raise OutputNotSeen(
                        f"The {self.role} host exited (code {self._exit_code()}) before printing "
                        f"/{pattern}/. Its output:\n{self.text()}"
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise OutputNotSeen(
                        f"The {self.role} host printed no /{pattern}/ within {timeout}s. Its "
                        f"output:\n{self.text()}"
                    )
                self._lines_changed.wait(min(left, 0.1))

    def text(self) -> str:
        """The current incarnation's output as one string."""
        with self._lines_changed:
            return "\n".join(self.output)

    def send_signal(self, signum: signal.Signals) -> None:
        if self.running:
            assert self.process is not None
            self.process.send_signal(signum)

    def stop(self, *, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Ctrl+C (SIGINT) and wait for a graceful exit; returns the exit code.

        Falls back to SIGKILL, and fails, if the host does not exit within ``timeout``.
        """
        return self._stop_with(signal.SIGINT, timeout)

    def terminate(self, *, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Like stop(), with SIGTERM (what a process manager sends)."""
        return self._stop_with(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        """SIGKILL: no graceful shutdown, as when the machine dies. Returns the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        code = process.wait()
        self._reap()
        return code

    def restart(self, *, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        """Graceful stop (if running), then a new incarnation."""
        if self.running:
            self.stop()
        self.start(timeout=timeout)

    def _stop_with(self, signum: signal.Signals, timeout: float) -> int:
        process = self.process
        if process is None:
            raise RuntimeError("The host has not been started.")
        if process.poll() is None:
            process.send_signal(signum)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"The {self.role} host did not exit within {timeout}s of {signum.name}. Its "
                f"output:\n{self.text()}"
            ) from None
        self._reap()
        return code

    def _read_output(self, process: "subprocess.Popen[str]") -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._lines_changed:
                self.output.append(line.rstrip("\n"))
                self.all_output.append(line.rstrip("\n"))
                self._lines_changed.notify_all()
        with self._lines_changed:
            self._lines_changed.notify_all()

    def _reader_alive(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    def _exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def _reap(self) -> None:
        process = self.process
        if process is None or process.poll() is None:
            return
        if self._reader is not None:
            # All output is read once the pipe closes; the process has exited, so it will.
            self._reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
        self.exit_codes.append(process.returncode)
        _live_processes.discard(process)
        self.process = None


class HostFactory:
    """Starts hosts for one test and kills whatever is still running at teardown."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.hosts: list[HostProcess] = []

    def create(
        self,
        role: Role = "all",
        *,
        app_dir: Path = REPO_ROOT,
        settings: Mapping[str, str] | None = None,
        data_dir: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> HostProcess:
        """A host, not yet started; ``settings`` add to (or override) the embedded ones."""
        host = HostProcess(
            role=role,
            app_dir=app_dir,
            settings={
                **embedded_host_settings(data_dir or self.data_dir),
                **(settings or {}),
            },
            extra_args=extra_args,
        )
        self.hosts.append(host)
        return host

    def start(
        self,
        role: Role = "all",
        *,
        app_dir: Path = REPO_ROOT,
        settings: Mapping[str, str] | None = None,
        data_dir: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> HostProcess:
        """A host, started and ready."""
        host = self.create(
            role, app_dir=app_dir, settings=settings, data_dir=data_dir, extra_args=extra_args
        )
        host.start()
        return host

    def kill_all(self) -> None:
        for host in self.hosts:
            host.kill()


@dataclass
class SplitHosts:
    """The web and worker roles as two processes on one data directory."""

    web: HostProcess
    worker: HostProcess
    data_dir: Path

    @property
    def api_url(self) -> str:
        return self.web.api_url

    def client(self, *, timeout: float = 10.0) -> ApiClient:
        return self.web.client(timeout=timeout)


@pytest.fixture
def host_data_dir(tmp_path: Path) -> Path:
    """The EmbeddedDataDir the test's hosts share."""
    return tmp_path / "host-data"


@pytest.fixture
def host_factory(host_data_dir: Path) -> Iterator[HostFactory]:
    factory = HostFactory(host_data_dir)
    try:
        yield factory
    finally:
        factory.kill_all()


@pytest.fixture
def local_host(host_factory: HostFactory) -> HostProcess:
    """The repository's app in one host process (web and worker), ready to serve."""
    return host_factory.start("all")


@pytest.fixture
def split_hosts(host_factory: HostFactory, host_data_dir: Path) -> SplitHosts:
    """The repository's app as separate web and worker processes sharing one data directory."""
    worker = host_factory.start("worker")
    web = host_factory.start("web")
    return SplitHosts(web=web, worker=worker, data_dir=host_data_dir)


@pytest.fixture
def api(local_host: HostProcess) -> Iterator[ApiClient]:
    """A client on ``local_host``'s API root."""
    with local_host.client() as client:
        yield client
