"""`mentorat serve`'s processes: uvicorn workers, each listening on a socket of its own.

uvicorn's own supervisor hands every worker the one listening socket it bound, and whichever
worker wakes first accepts: under a burst of keep-alive clients one worker can take every
connection while the others idle. So this module supervises the workers itself: each binds a
socket of its own with `SO_REUSEPORT` on the same address, the kernel spreads new connections
over them, and each runs a `uvicorn.Server` on it.

The supervisor starts the workers fresh (`spawn`), replaces a worker that dies (and stops,
with status 1, when one dies while starting: its replacement would too), and on
SIGTERM or SIGINT asks every worker to stop gracefully (uvicorn lets requests in flight
finish within `graceful_timeout`), kills those still running a few seconds after that, and
returns.

With metrics on, the workers count in files of a directory that the supervisor hands them in
`PROMETHEUS_MULTIPROC_DIR` (prometheus-client's multiprocess mode), so that a scrape answered
by any worker adds up all of them: the operator's directory when that variable is set
(emptied of earlier runs' files first), else a private temporary one, removed on exit.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from mentorat.logs import LogFormat, logging_config

log = logging.getLogger("mentorat.server")

APP = "mentorat.bootstrap:create_asgi_app"
# A stopping worker is killed this long after its graceful timeout has run out.
KILL_MARGIN = 5.0
# A worker that dies sooner than this after it was started failed to start: starting another
# would fail the same way, so the server stops instead of looping.
STARTUP_SECONDS = 10.0
EXIT_WORKER_FAILED = 1


@dataclass(frozen=True, slots=True)
class ServerOptions:
    host: str
    port: int
    workers: int
    log_level: str = "info"
    # mentorat's access log (one line per request, from mentorat.adapters.http.access).
    access_log: bool = False
    log_format: LogFormat = "json"
    graceful_timeout: int = 10
    # The factory of the ASGI app each worker serves, as "module:function".
    app: str = APP
    # Whether the workers count metrics (MENTORAT_METRICS): several then share a directory.
    metrics: bool = False

    def uvicorn(self) -> dict[str, Any]:
        """uvicorn's options for one worker (the address comes from the worker's socket)."""
        return {
            "factory": True,
            "loop": "uvloop",
            "http": "httptools",
            # No WebSocket routes.
            "ws": "none",
            # The app decides whether X-Forwarded-For is believed (MENTORAT_TRUSTED_PROXIES).
            "proxy_headers": False,
            "server_header": False,
            # uvicorn's loggers write through mentorat's handler, in mentorat's format.
            "log_config": logging_config(
                self.log_level, self.log_format, access_log=self.access_log
            ),
            "log_level": self.log_level,
            # mentorat writes the access line (with the route, user and request id).
            "access_log": False,
            "timeout_graceful_shutdown": self.graceful_timeout,
            # An idle keep-alive connection is closed after this many seconds. Receiving a
            # request has no deadline in uvicorn, nor does httptools bound header sizes: the
            # app bounds headers once parsed (access.py), the reverse proxy the rest
            # (docs/operations.md, Behind nginx).
            "timeout_keep_alive": 5,
        }


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT: others may bind the same address."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _worker(options: ServerOptions) -> None:
    import uvicorn

    sock = listening_socket(options.host, options.port)
    with sock:
        uvicorn.Server(uvicorn.Config(options.app, **options.uvicorn())).run(sockets=[sock])


def serve(options: ServerOptions) -> int:
    """Run the workers until SIGTERM or SIGINT (0), or until a worker fails to start (1)."""
    if options.workers == 1 or options.port == 0:
        # One process: uvicorn binds the address itself (port 0 picks a free one).
        import uvicorn

        signal.signal(signal.SIGTERM, _exit_cleanly)
        uvicorn.run(options.app, host=options.host, port=options.port, **options.uvicorn())
        return 0
    # Fail here, once, when the address is taken, rather than in every worker.
    listening_socket(options.host, options.port).close()
    if not options.metrics:
        return Supervisor(options).run()
    with metrics_directory() as directory:
        return Supervisor(options, metrics_dir=directory).run()


MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """The directory the workers count in, in this process's environment (which the workers
    inherit) for as long as the block runs."""
    given = os.environ.get(MULTIPROCESS_ENV)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        # Files of an earlier run would be added to this one's counts.
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    directory = Path(tempfile.mkdtemp(prefix="mentorat-metrics-"))
    os.environ[MULTIPROCESS_ENV] = str(directory)
    try:
        yield directory
    finally:
        del os.environ[MULTIPROCESS_ENV]
        shutil.rmtree(directory, ignore_errors=True)


def forget_worker(metrics_dir: Path, pid: int) -> None:
    """Take a dead worker's live gauges (connections in use) out of the sums; its counters
    stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, str(metrics_dir))  # type: ignore[no-untyped-call]


def _exit_cleanly(signum: int, frame: object) -> None:
    """uvicorn stops gracefully on SIGTERM, then raises the signal again for whoever handled it
    before: a stop that was asked for ends with status 0, not as a crash."""
    raise SystemExit(0)


class Supervisor:
    """Starts `options.workers` worker processes, replaces those that die, stops them all."""

    def __init__(self, options: ServerOptions, *, metrics_dir: Path | None = None) -> None:
        self._options = options
        self._metrics_dir = metrics_dir
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[BaseProcess] = []
        self._started: dict[BaseProcess, float] = {}
        self._stopping = False

    def run(self) -> int:
        """Supervise until asked to stop (0) or until a worker fails to start (1)."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        status = 0
        try:
            self._workers = [self._start() for _ in range(self._options.workers)]
            while not self._stopping:
                wait([w.sentinel for w in self._workers], timeout=0.5)
                for i, worker in enumerate(self._workers):
                    if worker.is_alive() or self._stopping:
                        continue
                    if self._metrics_dir is not None and worker.pid is not None:
                        forget_worker(self._metrics_dir, worker.pid)
                    if time.monotonic() - self._started[worker] < STARTUP_SECONDS:
                        log.error(
                            "worker %s exited (%s) while starting; stopping the server",
                            worker.pid,
                            worker.exitcode,
                        )
                        self._stopping, status = True, EXIT_WORKER_FAILED
                        break
                    log.warning(
                        "worker %s exited (%s); starting another", worker.pid, worker.exitcode
                    )
                    self._workers[i] = self._start()
        finally:
            self._shut_down()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return status

    def _start(self) -> BaseProcess:
        worker = self._context.Process(target=_worker, args=(self._options,), daemon=False)
        worker.start()
        self._started[worker] = time.monotonic()
        log.info("started worker %s", worker.pid)
        return worker

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _shut_down(self) -> None:
        for worker in self._workers:
            if worker.is_alive() and worker.pid is not None:
                worker.terminate()  # SIGTERM: uvicorn stops gracefully
        deadline = time.monotonic() + self._options.graceful_timeout + KILL_MARGIN
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                log.warning("worker %s did not stop in time; killing it", worker.pid)
                worker.kill()
                worker.join()
