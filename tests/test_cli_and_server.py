"""The commands a new user runs: `guanjia serve`, `guanjia nlu …`, `python -m assistant`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUANJIA = str(ROOT / ".venv" / "bin" / "guanjia")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "GUANJIA_VAR_DIR": str(tmp_path / "var")}


def test_python_dash_m_is_the_same_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "assistant", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "serve" in out and "nlu" in out


def test_train_is_skipped_when_nothing_changed(tmp_path: Path) -> None:
    out = subprocess.run([GUANJIA, "nlu", "train"], capture_output=True, text=True, check=True,
                         env=_env(tmp_path)).stdout
    assert "up to date" in out


def test_parse_prints_the_api_json(tmp_path: Path) -> None:
    result = subprocess.run([GUANJIA, "nlu", "parse", "三 栋 一 二 零 一 的 灯 不 亮 了"],
                            capture_output=True, text=True, env=_env(tmp_path), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    body = json.loads(result.stdout)
    assert body["intent"]["name"] == "repair_request"
    assert {"entity": "unit", "value": "3-1201"}.items() <= next(
        e for e in body["entities"] if e["entity"] == "unit").items()


def test_serve_starts_a_hub_that_parses(tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")  # a file, not a pipe: an unread pipe fills and blocks the hub
    server = subprocess.Popen([GUANJIA, "serve", "--demo", "--port", str(port)], env=_env(tmp_path),
                              stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise AssertionError("hub did not answer /healthz")
        response = requests.post(f"{base}/api/v1/parse", json={"text": "my kitchen tap is leaking"},
                                 timeout=10)
        assert response.status_code == 200
        assert response.json()["intent"]["name"] == "repair_request"
        bad = requests.post(f"{base}/api/v1/parse", data="{oops", timeout=10)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad-json"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        log.close()
