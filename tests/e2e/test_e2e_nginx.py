"""A real nginx, configured as docs/operations.md says, in front of a two-worker mentorat serve.

nginx connects to mentorat from 127.0.0.2 (`proxy_bind`), the one trusted proxy; clients connect
from 127.0.0.1 or 127.0.0.3. So the client address mentorat sees through nginx differs from its
peer, and a direct request from a client is from an untrusted peer.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import Server, free_port, server_env

pytestmark = pytest.mark.e2e

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

CONF = """\
{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    log_format ids '$remote_addr $request_id "$request" $status';
    access_log {dir}/nginx-access.log ids;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream mentorat {{
        server 127.0.0.1:{upstream};
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        listen 127.0.0.3:{port};
        client_max_body_size 64k;
        client_header_timeout 2s;
        client_body_timeout 2s;
        large_client_header_buffers 4 8k;
        location / {{
            proxy_pass http://mentorat;
            proxy_bind 127.0.0.2;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            proxy_connect_timeout 5s;
            proxy_read_timeout 30s;
            proxy_buffering off;
        }}
    }}
}}
"""


@pytest.fixture
def nginx_in_front(workdir: Path) -> Iterator[tuple[Server, str, Path]]:
    """(mentorat, nginx's base URL, nginx's directory): both stopped after the test."""
    if NGINX is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (.ci/run installs it)")
        pytest.skip("nginx is not installed")
    env = server_env(
        workdir,
        MENTORAT_TRUSTED_PROXIES="127.0.0.2",
        MENTORAT_LOGIN_MAX_FAILURES_PER_ADDRESS="3",
        MENTORAT_LOG_FORMAT="json",
    )
    server = Server(workdir, env, workers=2, args=("--access-log",)).start()
    directory = workdir / "nginx"
    directory.mkdir()
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    conf = directory / "nginx.conf"
    conf.write_text(CONF.format(user=user, dir=directory, upstream=server.port, port=port))
    process = subprocess.Popen(
        [NGINX, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                error_log = directory / "error.log"
                raise AssertionError(error_log.read_text() if error_log.exists() else "no log")
            time.sleep(0.1)
        yield server, base, directory
    finally:
        process.terminate()
        process.wait(timeout=10)
        if server.process is not None and server.process.poll() is None:
            server.stop()


def login(client: httpx.Client, url: str, n: int, forwarded_for: str | None) -> httpx.Response:
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    body = {"username": f"ghost{n}", "password": "nope-nope-1"}
    return client.post(f"{url}/auth/token/", json=body, headers=headers)


def test_through_nginx_spoofed_forwarded_hops_do_not_dodge_the_throttle(
    nginx_in_front: tuple[Server, str, Path],
) -> None:
    server, base, directory = nginx_in_front
    port = base.rsplit(":", 1)[1]
    with httpx.Client() as client:
        statuses = [
            login(client, base, n, f"198.51.100.{n}, 10.0.0.{n}").status_code for n in range(6)
        ]
        assert statuses == [401, 401, 401, 429, 429, 429]
        # The client's own address is what was counted, not nginx's (127.0.0.2) ...
        direct = login(client, server.base, 6, "203.0.113.9")
        assert direct.status_code == 429
    # ... and another client, through the same nginx, is a different address.
    other = httpx.HTTPTransport(local_address="127.0.0.3")
    with httpx.Client(transport=other) as client:
        assert login(client, f"http://127.0.0.3:{port}", 7, "127.0.0.1").status_code == 401

    # nginx's request id is the one mentorat echoes and logs.
    with httpx.Client() as client:
        answer = client.get(f"{base}/no/such/page")
    assert answer.status_code == 404
    rid = answer.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert server.stop() == 0
    assert f'"request_id":"{rid}"' in server.output()
    assert f" {rid} " in (directory / "nginx-access.log").read_text()


def test_through_nginx_links_carry_the_proxys_host(
    nginx_in_front: tuple[Server, str, Path],
) -> None:
    _server, base, _directory = nginx_in_front
    with httpx.Client(base_url=base) as client:
        people = {}
        for name, mentor in (("claire", True), ("hugo", False)):
            body = {
                "username": name,
                "password": f"{name}-pass-2025",
                "email": f"{name}@example.com",
                "is_mentor": mentor,
            }
            created = client.post("/auth/register/", json=body)
            assert created.status_code == 201, created.text
            token = client.post("/auth/token/", json=body).json()["access"]
            people[name] = (created.json()["id"], {"Authorization": f"Bearer {token}"})
        (mentor_id, mentor), (_, mentee) = people["claire"], people["hugo"]
        request = client.post(
            "/api/mentorship/demande/",
            json={"mentor_id": mentor_id, "Start_Date": "2025-01-01", "End_Date": "2025-12-31"},
            headers=mentee,
        ).json()
        respond = f"/api/mentoring/requests/{request['id']}/respond/"
        assert client.patch(respond, json={"status": "active"}, headers=mentor).status_code == 200
        chat = f"/api/mentoring/chat/{request['id']}/messages/"
        for text in ("one", "two"):
            assert client.post(chat, json={"message": text}, headers=mentee).status_code == 201
        page = client.get(chat, params={"limit": 1}, headers=mentee)
    assert page.status_code == 200
    assert f"<{base}{chat}?limit=1&" in page.headers["link"]


def test_nginx_cuts_a_client_that_sends_its_headers_too_slowly(
    nginx_in_front: tuple[Server, str, Path],
) -> None:
    _server, base, _directory = nginx_in_front
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as conn:
        conn.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        while conn.recv(4096):
            pass  # a 408, if nginx sends one, then the close
        waited = time.monotonic() - started
    # client_header_timeout is 2 s here; uvicorn alone would keep waiting.
    assert 1.5 < waited < 6
