"""The host process: settings, discovery, the roles it runs, and a graceful stop.

``web`` serves the HTTP-triggered functions, ``worker`` runs the Service Bus and timer
triggers, ``all`` does both in one process. Two processes (web and worker) may share one data
directory: the embedded SQLite files are safe to share.
"""

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from local_host.app_settings import load_app_settings
from local_host.bindings import HttpTrigger, ServiceBusTrigger, TimerTrigger
from local_host.errors import StartupError
from local_host.function_app import FunctionApp, LoadedFunction, discover_function_app
from local_host.host_logging import host_logger
from local_host.http_connections import DEFAULT_LIMITS, ConnectionLimits
from local_host.http_server import HttpServer
from local_host.listing import format_listing
from local_host.queue_consumer import QueueConsumer
from local_host.timer_trigger import TimerRunner
from local_platform.front import PlatformFront, log_authentication_mode, platform_front
from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue
from shared.settings import MESSAGING_BACKEND, SettingError, Settings

DEFAULT_PORT = 7071
# How long a stop waits for running invocations before cancelling them.
DEFAULT_SHUTDOWN_SECONDS = 30.0

log = host_logger("host")


class Role(StrEnum):
    ALL = "all"
    WEB = "web"
    WORKER = "worker"

    @property
    def serves_http(self) -> bool:
        return self in (Role.ALL, Role.WEB)

    @property
    def runs_triggers(self) -> bool:
        return self in (Role.ALL, Role.WORKER)

    def hosts(self, function: LoadedFunction) -> bool:
        is_http = isinstance(function.definition.trigger, HttpTrigger)
        return self.serves_http if is_http else self.runs_triggers


@dataclass(frozen=True)
class HostOptions:
    app_dir: Path
    host: str = "127.0.0.1"
    # None: Host.LocalHttpPort from local.settings.json, else 7071. 0: any free port.
    port: int | None = None
    role: Role = Role.ALL
    shutdown_timeout: float = DEFAULT_SHUTDOWN_SECONDS
    limits: ConnectionLimits = DEFAULT_LIMITS


class Host:
    def __init__(
        self, options: HostOptions, environ: MutableMapping[str, str] = os.environ
    ) -> None:
        self._options = options
        self._environ = environ
        self._http: HttpServer | None = None
        self._consumers: list[QueueConsumer] = []
        self._timers: list[TimerRunner] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._timer_tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._stopped = False

    async def start(self) -> None:
        options = self._options
        app_dir = options.app_dir.resolve()
        settings = load_app_settings(app_dir, None, self._environ)
        # Function code finds app settings in the environment, as under the Functions host.
        self._environ.update(settings.values)
        bootstrap.configure(dict(settings.values))
        try:
            # Built now, not on the first invocation: a missing or malformed app setting stops
            # the host at start, naming the setting. Connections still open on first use.
            authentication = bootstrap.application().authentication
        except SettingError as error:
            raise StartupError(str(error)) from error
        app = discover_function_app(app_dir, settings.values)
        hosted = [function for function in app.functions if options.role.hosts(function)]
        for name in app.disabled:
            log.info("Function '%s' is disabled.", name)

        if options.role.runs_triggers:
            self._build_triggers(hosted, app, Settings(settings.values))
        base_url: str | None = None
        front: PlatformFront | None = None
        if options.role.serves_http:
            port = options.port if options.port is not None else settings.local_http_port
            # App Service authentication and the storefront, in front of the host as in Azure.
            front = platform_front(app_dir, app.host.route_prefix, authentication)
            self._http = HttpServer(
                app.functions,
                app.host.route_prefix,
                host=options.host,
                port=DEFAULT_PORT if port is None else port,
                shutdown_timeout=options.shutdown_timeout,
                function_timeout=app.host.function_timeout,
                front=front,
                limits=options.limits,
            )
            try:
                await self._http.start()
            except OSError as error:
                raise StartupError(
                    f"Cannot listen on {options.host}:{port}: {error.strerror or error}"
                ) from error
            base_url = self._http.base_url

        for consumer in self._consumers:
            self._tasks.append(self._spawn(consumer.run(), f"consumer:{consumer.queue_name}"))
        for timer in self._timers:
            self._timer_tasks.append(self._spawn(timer.run(), "timer"))

        self._started = True
        # Plain lines (the function listing) go straight to stdout, as `func start` prints them.
        print(format_listing(hosted, app.host.route_prefix, base_url), flush=True)
        log.info("Host started (role: %s). Press Ctrl+C to shut down.", options.role.value)
        if base_url is not None:
            log_authentication_mode(authentication, base_url)
            print(f"Listening on {base_url}", flush=True)
            if front is not None and front.site is not None:
                print(f"Storefront: {base_url}/", flush=True)

    async def stop(self) -> None:
        """Stop taking work, let running invocations finish (bounded), then close everything."""
        if self._stopped:
            return
        self._stopped = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._options.shutdown_timeout

        def remaining() -> float:
            return max(deadline - loop.time(), 0.0)

        for consumer in self._consumers:
            consumer.stop_receiving()
        for timer in self._timers:
            timer.stop()
        # The receive loops end at once; what they started is drained below.
        await asyncio.gather(*self._tasks, return_exceptions=True)

        async def drain_triggers() -> None:
            await asyncio.gather(*(consumer.drain(remaining()) for consumer in self._consumers))
            await _finish_or_cancel(self._timer_tasks, remaining())

        stopping: list[Awaitable[None]] = [drain_triggers()]
        if self._http is not None:
            # aiohttp stops listening, then waits up to shutdown_timeout for running requests.
            stopping.append(self._http.stop())
        for outcome in await asyncio.gather(*stopping, return_exceptions=True):
            if isinstance(outcome, BaseException):
                log.error("Error while stopping.", exc_info=outcome)

        try:
            await bootstrap.shutdown()
        except Exception:
            log.exception("Closing the application's connections failed.")
        for consumer in self._consumers:
            try:
                await consumer.close()
            except Exception:
                log.exception("Closing queue '%s' failed.", consumer.queue_name)
        if self._started:
            log.info("Host stopped.")

    def _build_triggers(
        self, hosted: list[LoadedFunction], app: FunctionApp, settings: Settings
    ) -> None:
        service_bus = [f for f in hosted if isinstance(f.definition.trigger, ServiceBusTrigger)]
        if service_bus:
            try:
                backend = settings.messaging_backend()
                embedded = settings.embedded()
            except SettingError as error:
                raise StartupError(str(error)) from error
            if backend != "sqlite":
                raise StartupError(
                    f"{MESSAGING_BACKEND} is '{backend}': this host consumes only the embedded "
                    "queue, so it cannot run the Service Bus triggers "
                    f"({', '.join(f.name for f in service_bus)}). Run only the web role "
                    "(--role web), or use the Functions Core Tools."
                )
            for function in service_bus:
                trigger = function.definition.trigger
                assert isinstance(trigger, ServiceBusTrigger)
                queue = SqliteQueue.from_settings(embedded, trigger.queue_name)
                self._consumers.append(QueueConsumer(function, queue, app.host))
        timers = [f for f in hosted if isinstance(f.definition.trigger, TimerTrigger)]
        self._timers = [TimerRunner(f, app.host.function_timeout) for f in timers]

    @staticmethod
    def _spawn(work: Awaitable[None], name: str) -> asyncio.Task[None]:
        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("The %s loop stopped unexpectedly.", name)

        return asyncio.create_task(guarded(), name=name)


async def _finish_or_cancel(tasks: list[asyncio.Task[None]], seconds: float) -> None:
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)


async def run_host(options: HostOptions) -> int:
    """Run until SIGINT or SIGTERM, then stop gracefully; returns the exit code."""
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()

    def on_signal(name: str) -> None:
        if stop_requested.is_set():
            # A second Ctrl+C means "now": locked messages come back after their lock expires.
            log.warning("%s again: exiting without waiting.", name)
            sys.stdout.flush()
            os._exit(130)
        log.info("%s received: stopping the host (again to exit at once).", name)
        stop_requested.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum.name)

    host = Host(options)
    try:
        await host.start()
        await stop_requested.wait()
    finally:
        await host.stop()
    return 0
