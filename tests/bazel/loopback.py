"""Ports on 127.0.0.1 for the servers tests start (the remote cache, the remote engine)."""

import contextlib
import socket


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port, timeout=0.2):
    """Whether something accepts TCP connections on 127.0.0.1:PORT."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout):
        return True
    return False
