"""`mentorat serve --workers N`: each worker listens on a socket of its own, and the supervisor
replaces a worker that dies and stops them all on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from mentorat.adapters.http.server import EXIT_WORKER_FAILED, STARTUP_SECONDS, listening_socket
from tests.e2e.support import server_env


def test_two_sockets_bind_one_address_and_the_kernel_spreads_connections_over_them() -> None:
    first = listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = listening_socket("127.0.0.1", port)
    try:
        assert first.fileno() != second.fileno()
        assert second.getsockname()[1] == port
        assert first.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        for sock in (first, second):
            sock.listen()
            sock.setblocking(False)
        accepted = {"first": 0, "second": 0}
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                time.sleep(0.002)
                for name, sock in (("first", first), ("second", second)):
                    try:
                        conn, _ = sock.accept()
                    except BlockingIOError:
                        continue
                    conn.close()
                    accepted[name] += 1
        assert sum(accepted.values()) == 40
        assert min(accepted.values()) > 0, accepted
    finally:
        first.close()
        second.close()


def test_an_address_taken_without_reuse_port_is_refused_up_front() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="in use"):
            listening_socket("127.0.0.1", taken.getsockname()[1])


def workers_of(pid: int) -> set[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = set()
    for child in map(int, children):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
        except OSError:
            continue
    return found


@pytest.mark.e2e
def test_a_worker_that_dies_is_replaced_and_sigterm_stops_them_all_with_status_0(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        str(Path(sys.executable).with_name("mentorat")),
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        command, cwd=tmp_path, env=server_env(tmp_path), stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"

    def until(condition: Callable[[], bool], within: float = 30) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError((tmp_path / "serve.log").read_text())

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        until(lambda: len(workers_of(server.pid)) == 2 and healthy())
        # Past its start: a worker that dies sooner stops the server (the next test).
        time.sleep(STARTUP_SECONDS)
        before = workers_of(server.pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)

        def replaced() -> bool:
            now = workers_of(server.pid)
            return len(now) == 2 and victim not in now

        until(replaced)
        after = workers_of(server.pid)
        assert len(after) == 2
        assert after - before
        assert victim not in after
        until(healthy)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in after)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
    assert "starting another" in (tmp_path / "serve.log").read_text()


def test_workers_that_fail_to_start_stop_the_server_with_status_1() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = f"ServerOptions('127.0.0.1', {port}, 2, app='no_such_module:app')"
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from mentorat.adapters.http.server import ServerOptions, serve; "
            f"sys.exit(serve({options}))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_WORKER_FAILED, result.stderr
    assert "while starting; stopping the server" in result.stderr
    assert time.monotonic() - started < STARTUP_SECONDS + 15
