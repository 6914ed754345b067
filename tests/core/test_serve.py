"""``ks serve``: the production server answers with the Danish login page and static files."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ks_serve_serves_login_page_and_static_files(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env |= {"KS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "koncernservice.settings"}
    server = subprocess.Popen(
        [str(BIN / "ks"), "serve", "--migrate", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                    body = r.read().decode()
            except OSError:
                if server.poll() is not None:
                    raise AssertionError(server.stderr.read().decode()) from None
                time.sleep(0.5)
        assert body is not None, "ks serve did not answer within 90 s"
        assert '<html lang="da">' in body and "Log ind" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/ks/ks.css", timeout=5) as r:
            assert r.status == 200 and b"--brand" in r.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_loaded_application_is_kept_out_of_the_garbage_collectors_walks(
    tmp_path: Path,
) -> None:
    """koncernservice.wsgi freezes what loading the application made (over 100,000 objects:
    Django, the apps, the URLconf), so the collector does not walk it during requests."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env |= {"KS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "koncernservice.settings"}
    script = "import gc, koncernservice.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert int(result.stdout) > 100_000
