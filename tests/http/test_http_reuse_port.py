"""`mentorat serve --workers N` gives each worker a listening socket of its own."""

from __future__ import annotations

import pickle
import socket

import pytest

from mentorat.adapters.http.wire import OwnListener, bind_reuse_port, reuse_port_supported

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="no SO_REUSEPORT here")


def test_each_process_that_unpickles_the_listener_binds_a_socket_of_its_own() -> None:
    probe = bind_reuse_port("127.0.0.1", 0)
    port = probe.getsockname()[1]
    listener = OwnListener("127.0.0.1", port)
    first = pickle.loads(pickle.dumps(listener))
    second = pickle.loads(pickle.dumps(listener))
    try:
        assert isinstance(first, socket.socket)
        assert first.fileno() != second.fileno()
        assert first.getsockname()[1] == second.getsockname()[1] == port
        assert first.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        for sock in (first, second):
            sock.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # one of the two accepts it: the kernel spreads connections over both
    finally:
        for sock in (probe, first, second):
            sock.close()


def test_an_address_taken_without_reuse_port_is_refused_up_front() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="in use"):
            bind_reuse_port("127.0.0.1", taken.getsockname()[1])
