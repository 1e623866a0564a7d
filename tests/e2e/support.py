"""A real `mentorat serve` process on a free port, on a SQLite file in a given directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

MENTORAT = str(Path(sys.executable).with_name("mentorat"))
FAST_ARGON2 = {
    "MENTORAT_ARGON2_TIME_COST": "1",
    "MENTORAT_ARGON2_MEMORY_KIB": "1024",
    "MENTORAT_ARGON2_PARALLELISM": "1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(directory: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORAT_")}
    env.update(FAST_ARGON2)
    env["MENTORAT_DATABASE_URL"] = f"sqlite:///{directory / 'mentorat.db'}"
    env["MENTORAT_LOG_LEVEL"] = "INFO"
    env.update(extra)
    return env


class Server:
    """One `mentorat serve` process; `stop()` sends SIGTERM and returns the exit status."""

    def __init__(
        self, directory: Path, env: dict[str, str], *, workers: int = 1, args: tuple[str, ...] = ()
    ) -> None:
        self.directory, self.env, self.workers, self.args = directory, env, workers, args
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = directory / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    MENTORAT,
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    *self.args,
                ],
                cwd=self.directory,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mentorat serve exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.base}/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"mentorat serve did not become ready:\n{self.log.read_text()}")

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            log = self.log.read_text()
            raise AssertionError(f"mentorat serve ignored SIGTERM:\n{log}") from None

    def output(self) -> str:
        return self.log.read_text()
