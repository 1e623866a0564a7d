"""A real PgBouncer (the system package) in transaction pooling mode, in front of the tests'
PostgreSQL, on a free port of its own, with its configuration in a directory of its own."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)
# PgBouncer keeps protocol-level prepared statements across server connections from 1.21 on
# (`max_prepared_statements`); before, psycopg must not prepare (MENTORAT_DB_PREPARED_STATEMENTS).
PREPARED_STATEMENTS_SINCE = (1, 21)
MAX_PREPARED_STATEMENTS = 200

# The server connections start in a time zone far from UTC: mentorat must set its own
# (`engine._session_in_utc`), whichever server connection runs its transaction.
SERVER_TIME_ZONE = "Pacific/Chatham"
CONFIG = """\
[databases]
* = host={host} port={port} timezone={time_zone}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
{prepared}
"""


def version() -> tuple[int, int]:
    assert PGBOUNCER is not None
    done = subprocess.run([PGBOUNCER, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"PgBouncer (\d+)\.(\d+)", done.stdout)
    assert found is not None, done.stdout
    return int(found[1]), int(found[2])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgBouncer:
    """`start()` runs pgbouncer in front of the server of `postgres_url`; `url(database)` is
    that database through it; `stop()` ends it and removes its directory."""

    def __init__(self, postgres_url: str) -> None:
        target = urlsplit(postgres_url)
        self.user = target.username or "postgres"
        self.host, self.target_port = target.hostname or "127.0.0.1", target.port or 5432
        self.port = _free_port()
        self.prepared_statements = version() >= PREPARED_STATEMENTS_SINCE
        # Not under pytest's temporary directory: as root, pgbouncer runs as the postgres user,
        # which cannot enter it.
        self.directory = Path(tempfile.mkdtemp(prefix="mentorat-pgbouncer-"))
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PgBouncer:
        assert PGBOUNCER is not None
        prepared = (
            f"max_prepared_statements = {MAX_PREPARED_STATEMENTS}"
            if self.prepared_statements
            else ""
        )
        (self.directory / "pgbouncer.ini").write_text(
            CONFIG.format(
                host=self.host,
                port=self.target_port,
                listen=self.port,
                time_zone=SERVER_TIME_ZONE,
                directory=self.directory,
                prepared=prepared,
            )
        )
        (self.directory / "userlist.txt").write_text(f'"{self.user}" ""\n')
        command = [PGBOUNCER, str(self.directory / "pgbouncer.ini")]
        if os.geteuid() == 0:
            # pgbouncer refuses to run as root.
            account = pwd.getpwnam("postgres")
            for path in [self.directory, *self.directory.iterdir()]:
                os.chown(path, account.pw_uid, account.pw_gid)
            command[1:1] = ["-u", "postgres"]
        with (self.directory / "pgbouncer.log").open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log()
                self.stop()
                raise AssertionError(f"pgbouncer exited:\n{log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        log = self.log()
        self.stop()
        raise AssertionError(f"pgbouncer did not listen:\n{log}")

    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def settings(self) -> dict[str, bool]:
        """mentorat's settings for a database reached through this pgbouncer."""
        return {
            "db_transaction_pooling": True,
            "db_prepared_statements": self.prepared_statements,
        }
