"""Bazel persistent worker: one process converts many models, paying TensorFlow's import once.

Speaks Bazel's JSON worker protocol: a WorkRequest per line on stdin
(``{"arguments": [...], "requestId": n}``), a WorkResponse per line on stdout
(``{"exitCode": n, "output": "...", "requestId": n}``). Each request's arguments are a converter
command line (usually ``@flagfile``); requests are answered one at a time, in order.

Each request runs in a child process forked from the worker, which has imported TensorFlow but
never converts. A conversion leaves state behind that no API resets: TensorFlow's global uid
counter names traced functions (``while_body_758``), so a second Keras conversion in the same
process would write other bytes than the first; Keras name counters, absl's flags and logging
settings, the warnings registry and the allocator's retained memory come on top. A child starts
every request from the state a fresh process has after the import, and takes its memory with it.

A cancel (``{"requestId": n, "cancel": true}``, sent by Bazel to actions that declare
``supports-worker-cancellation``) kills the child running request n and is answered
``{"requestId": n, "wasCancelled": true}``; a cancel for any other request is ignored, as
that request was answered already (or never sent).
"""

import collections
import ctypes
import dataclasses
import gc
import json
import os
import select
import signal
import sys
from typing import List, Optional

from tools.converter.errors import one_line

_ERROR = "tfjs_converter: error: "
_PR_SET_PDEATHSIG = 1


@dataclasses.dataclass(frozen=True)
class _Message:
    """One line from Bazel: a request (``arguments``), a cancel, or malformed (``error``)."""

    request_id: int
    arguments: Optional[List[str]] = None
    cancel: bool = False
    error: Optional[str] = None


def _parse(line: bytes) -> _Message:
    """Reads one line of the JSON protocol; a line that is no WorkRequest gets ``error`` set."""
    try:
        request = json.loads(line)
    except ValueError as e:
        return _Message(0, error=f"work request is not JSON: {one_line(e)}")
    if not isinstance(request, dict):
        return _Message(0, error="work request is not a JSON object")
    request_id = request.get("requestId", 0)
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        return _Message(0, error=f"work request id is not an integer: {request_id!r}")
    if request.get("cancel"):
        return _Message(request_id, cancel=True)
    arguments = request.get("arguments", [])
    if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
        return _Message(request_id, error="work request arguments are not a list of strings")
    return _Message(request_id, arguments=arguments)


class _Lines:
    """The lines arriving on a file descriptor, read without Python's buffering, so that
    ``select`` on the descriptor tells whether more are waiting."""

    def __init__(self, fd):
        self.fd, self.closed, self._partial = fd, False, b""

    def read(self):
        """Reads once (blocks until something arrives); returns the complete non-blank lines."""
        data = os.read(self.fd, 1 << 16)
        if data:
            *lines, self._partial = (self._partial + data).split(b"\n")
        else:
            self.closed, lines, self._partial = True, [self._partial], b""
        return [_parse(line) for line in lines if line.strip()]


def serve(input_fd, output, run_command):
    """Answers the WorkRequests read from ``input_fd`` on ``output`` (a text file) until EOF.

    ``run_command(arguments)`` returns (exit status, message for the user or "") and runs in a
    child process per request: import what it needs before serving, so that children share it.
    """
    # Children then collect their own garbage without writing to (and copying) shared pages.
    gc.freeze()
    lines, inbox = _Lines(input_fd), collections.deque()
    while inbox or not lines.closed:
        if not inbox:
            inbox.extend(lines.read())
            continue
        message = inbox.popleft()
        if message.cancel:
            continue
        if message.error:
            sys.stderr.write(f"{_ERROR}{message.error}\n")
            response = {"exitCode": 1, "output": f"{_ERROR}{message.error}\n",
                        "requestId": message.request_id}
        else:
            response = _run(message, run_command, lines, inbox)
        output.write(json.dumps(response) + "\n")
        output.flush()


def _run(request, run_command, lines, inbox):
    """Runs ``request`` in a child; reads more messages into ``inbox`` meanwhile, and kills the
    child if one of them cancels the request. Returns the response."""
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError as e:
        os.close(read_fd)
        os.close(write_fd)
        return {"exitCode": 1, "requestId": request.request_id,
                "output": f"{_ERROR}internal error: cannot start a conversion process: {e}\n"}
    if pid == 0:
        os.close(read_fd)
        _child(run_command, request.arguments, write_fd, parent)
    os.close(write_fd)
    captured = bytearray()
    try:
        while True:
            cancel = next((m for m in inbox if m.cancel
                           and m.request_id == request.request_id), None)
            if cancel:
                inbox.remove(cancel)
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"requestId": request.request_id, "wasCancelled": True}
            watched = [read_fd] if lines.closed else [read_fd, lines.fd]
            ready = select.select(watched, [], [])[0]
            if lines.fd in ready:
                inbox.extend(lines.read())
            if read_fd in ready:
                data = os.read(read_fd, 1 << 16)
                if not data:
                    break
                captured += data
    finally:
        os.close(read_fd)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    text = captured.decode("utf-8", errors="replace")
    if status < 0:
        text += (f"{_ERROR}internal error: the conversion process was killed by "
                 f"{signal.Signals(-status).name}\n")
    return {"exitCode": 1 if status < 0 else status, "output": text,
            "requestId": request.request_id}


def _child(run_command, arguments, write_fd, parent):
    """In the forked child: runs the command with stdout and stderr (the CLI's output, warnings
    included) going to ``write_fd``, and exits with its status. Never returns."""
    status = 1
    try:
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        _die_with(parent)
        status, message = run_command(arguments)
        sys.stdout.flush()
        sys.stderr.write(message + "\n" if message else "")
        sys.stderr.flush()
    except BaseException as e:  # pylint: disable=broad-except
        status = 1
        os.write(2, f"{_ERROR}internal error: {type(e).__name__}: {one_line(e)}\n".encode())
    finally:
        os._exit(status)  # pylint: disable=protected-access


def _die_with(parent):
    """Has Linux kill this process when ``parent`` (the worker) dies: a worker that Bazel kills
    must not leave a conversion running."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)  # pylint: disable=protected-access
