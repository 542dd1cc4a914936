"""A persistent converter worker driven the way Bazel drives it: one JSON line each way."""

import contextlib
import json
import subprocess
import sys

from tests.converter import tfjs

CONVERTER = ("-m", "tools.converter", "--persistent_worker")


class WorkerClient:
    """Sends WorkRequests to a worker process and reads its WorkResponses."""

    def __init__(self, process):
        self.process = process

    def send(self, message):
        """Writes one line: a dict as JSON, or a string as it is."""
        self.process.stdin.write((message if isinstance(message, str) else json.dumps(message))
                                 + "\n")
        self.process.stdin.flush()

    def response(self):
        """Reads the next WorkResponse."""
        return json.loads(self.process.stdout.readline())

    def request(self, request_id, arguments):
        """Sends a WorkRequest and returns its response (checked to carry `request_id`)."""
        self.send({"arguments": [str(a) for a in arguments], "requestId": request_id})
        response = self.response()
        assert response["requestId"] == request_id, response
        return response

    def close(self):
        """Closes stdin; returns the exit status and whatever else the worker wrote."""
        self.process.stdin.close()
        rest = self.process.stdout.read()
        return self.process.wait(timeout=120), rest


@contextlib.contextmanager
def worker_process(*args, env=None):
    """Starts `python ARGS` (default: the converter's worker) from the repository root; yields a
    WorkerClient and kills the process afterwards if it still runs."""
    process = subprocess.Popen(
        [sys.executable, *(args or CONVERTER)], cwd=tfjs.REPO_ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=env or {"PYTHONPATH": str(tfjs.REPO_ROOT), "PATH": "/usr/bin:/bin"})
    try:
        yield WorkerClient(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
