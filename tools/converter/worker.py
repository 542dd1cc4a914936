"""Bazel persistent worker: one process converts many models, paying TensorFlow's import once.

Speaks Bazel's JSON worker protocol: a WorkRequest per line on stdin
(``{"arguments": [...], "requestId": n}``), a WorkResponse per line on stdout
(``{"exitCode": n, "output": "...", "requestId": n}``). Each request's arguments are a converter
command line (usually ``@flagfile``).
"""

import json


def serve(requests, responses, run_command):
    """Answers WorkRequests from ``requests`` with ``run_command(arguments)`` until EOF."""
    from tools.converter import tf_import  # pylint: disable=import-outside-toplevel
    tf_import.import_tensorflow()
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        status, message = run_command(request.get("arguments", []))
        response = {"exitCode": status, "output": message + "\n" if message else "",
                    "requestId": request.get("requestId", 0)}
        responses.write(json.dumps(response) + "\n")
        responses.flush()
