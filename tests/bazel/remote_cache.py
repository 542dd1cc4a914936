"""An HTTP remote cache for Bazel tests: nginx with WebDAV PUT on 127.0.0.1."""

import contextlib
import shutil
import subprocess
import time

from tests.bazel.loopback import free_port, listening

_CONFIG = """
user root;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{}}
http {{
  access_log {root}/access.log;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 0;
    location /cache/ {{
      alias {root}/store/;
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:rw all:r;
    }}
  }}
}}
"""


@contextlib.contextmanager
def nginx_webdav_cache(root):
    """Starts nginx serving an empty cache under ROOT; yields the --remote_cache URL."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    root.mkdir(parents=True)
    (root / "store").mkdir()
    port = free_port()
    config = root / "nginx.conf"
    config.write_text(_CONFIG.format(root=root, port=port))
    process = subprocess.Popen([nginx, "-c", str(config), "-p", str(root)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            if listening(port, timeout=0.1):
                break
            if process.poll() is not None:
                raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/cache"
    finally:
        process.terminate()
        process.wait(timeout=10)
