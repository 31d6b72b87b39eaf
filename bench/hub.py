"""Hub benchmark: utterance throughput/latency at 1, 10 and 50 devices, SSE delivery, escalation lag.

Devices are simulated two ways. *Paced*: each device sends its next utterance
0.5–1.5 s after the previous reply, which is still faster than an owner can
hear a reply and speak again (the issue's latency target is read here).
*Saturated*: every device sends again the moment it has its reply, which
measures the hub's ceiling; there latency is devices / throughput.

Runs a real hub (`guanjia serve`, gunicorn) on a scratch database with an estate
whose emergency deadline is 2 s, so escalations can be timed. The baseline in
the same run is GET /healthz at the same concurrency (the server's own
overhead), reported as a ratio. Prints figures, then one JSON line.
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
GUANJIA = str(ROOT / ".venv" / "bin" / "guanjia")
UTTERANCES = ["我家卫生间漏水了", "对", "会所几点开门", "帮我交一下物业费", "是的", "my kitchen light is broken",
              "yes", "有我的快递吗", "谢谢", "我报修的怎么样了"]
PER_DEVICE = 10


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="guanjia-bench-"))
    estate = yaml.safe_load((ROOT / "assistant/data/demo_estate.yaml").read_text(encoding="utf-8"))
    estate["deadlines_s"] = {"emergency": 2, "repair_request": 300, "default": 900}
    (work / "estate.yaml").write_text(yaml.safe_dump(estate, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "GUANJIA_VAR_DIR": str(work / "var"), "GUANJIA_ESTATE_FILE": str(work / "estate.yaml")}
    tokens = {}
    for i in range(50):
        out = subprocess.run([GUANJIA, "devices", "add", f"bench-{i}", "--kind", "panel", "--unit", "3-1201"],
                             env=env, capture_output=True, text=True, check=True)
        tokens[f"bench-{i}"] = out.stdout.strip().splitlines()[-1]
    staff = subprocess.run([GUANJIA, "staff", "token", "s-gaoyuan"], env=env, capture_output=True, text=True,
                           check=True).stdout.strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([GUANJIA, "serve", "--port", str(port), "--threads", "128"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(base, server)
        figures: dict[str, object] = {"bench": "hub"}
        for devices in (10, 50):
            latencies, seconds = _load(base, tokens, devices, paced=True)
            figures[f"paced_utt_per_s_{devices}"] = round(len(latencies) / seconds, 1)
            figures[f"paced_utt_p50_ms_{devices}"] = round(statistics.median(latencies), 1)
            figures[f"paced_utt_p95_ms_{devices}"] = round(percentile(latencies, 0.95), 1)
            print(f"{devices:>2} devices, paced: {figures[f'paced_utt_per_s_{devices}']} utt/s, "
                  f"p50 {figures[f'paced_utt_p50_ms_{devices}']} ms, "
                  f"p95 {figures[f'paced_utt_p95_ms_{devices}']} ms")
        for devices in (1, 10, 50):
            latencies, seconds = _load(base, tokens, devices)
            health, _ = _load(base, tokens, devices, healthz=True)
            figures[f"utt_per_s_{devices}"] = round(len(latencies) / seconds, 1)
            figures[f"utt_p50_ms_{devices}"] = round(statistics.median(latencies), 1)
            figures[f"utt_p95_ms_{devices}"] = round(percentile(latencies, 0.95), 1)
            figures[f"healthz_p50_ms_{devices}"] = round(statistics.median(health), 1)
            figures[f"utt_over_healthz_ratio_{devices}"] = round(statistics.median(latencies)
                                                                 / statistics.median(health), 1)
            print(f"{devices:>2} devices: {figures[f'utt_per_s_{devices}']} utt/s, "
                  f"p50 {figures[f'utt_p50_ms_{devices}']} ms, p95 {figures[f'utt_p95_ms_{devices}']} ms "
                  f"saturated (healthz p50 {figures[f'healthz_p50_ms_{devices}']} ms)")
        sse = _sse_delivery(base, tokens["bench-0"], staff)
        figures["sse_p50_ms"] = round(statistics.median(sse), 1)
        figures["sse_p95_ms"] = round(percentile(sse, 0.95), 1)
        print(f"SSE delivery: p50 {figures['sse_p50_ms']} ms, p95 {figures['sse_p95_ms']} ms ({len(sse)} events)")
        lags = _escalation_lag(base, tokens["bench-1"], staff)
        figures["escalation_lag_p50_s"] = round(statistics.median(lags), 3)
        figures["escalation_lag_max_s"] = round(max(lags), 3)
        print(f"escalation after deadline: p50 {figures['escalation_lag_p50_s']} s, "
              f"max {figures['escalation_lag_max_s']} s ({len(lags)} requests)")
        print(json.dumps(figures))
    finally:
        server.terminate()
        server.wait(timeout=60)


def _wait_ready(base: str, server: subprocess.Popen) -> None:
    started = time.monotonic()
    while time.monotonic() - started < 300:
        if server.poll() is not None:
            sys.exit("hub exited during start-up")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    sys.exit("hub did not start in 300 s")


def _load(base: str, tokens: dict[str, str], devices: int, healthz: bool = False,
          paced: bool = False) -> tuple[list[float], float]:
    def device_run(index: int) -> list[float]:
        pause = random.Random(index)
        session = requests.Session()
        device = f"bench-{index}"
        headers = {"Authorization": f"Bearer {tokens[device]}"}
        out, session_id = [], None
        if paced:
            time.sleep(pause.uniform(0.0, 1.0))  # devices don't start in lockstep
        for n in range(PER_DEVICE):
            if paced and n:
                time.sleep(pause.uniform(0.5, 1.5))
            started = time.perf_counter()
            if healthz:
                session.get(f"{base}/healthz")
            else:
                body = {"text": UTTERANCES[(index + n) % len(UTTERANCES)]}
                if session_id:
                    body["session_id"] = session_id
                response = session.post(f"{base}/api/v1/devices/{device}/utterances", json=body, headers=headers)
                session_id = response.json().get("session_id")
            out.append((time.perf_counter() - started) * 1000)
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=devices) as pool:
        results = list(pool.map(device_run, range(devices)))
    return [x for r in results for x in r], time.perf_counter() - started


def _sse_delivery(base: str, device_token: str, staff_token: str, count: int = 30) -> list[float]:
    sent: dict[int, float] = {}
    received: dict[int, float] = {}
    ready = threading.Event()

    def listen() -> None:
        with requests.get(f"{base}/api/v1/events?max_s=120", headers={"Authorization": f"Bearer {staff_token}"},
                          stream=True, timeout=130) as stream:
            ready.set()
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    data = json.loads(line[6:])
                    if data["type"] == "request.created":
                        received[data["data"]["id"]] = time.perf_counter()
                        if len(received) >= count:
                            return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    ready.wait(10)
    time.sleep(0.5)
    headers = {"Authorization": f"Bearer {device_token}"}
    for _ in range(count):
        started = time.perf_counter()
        response = requests.post(f"{base}/api/v1/devices/bench-0/requests", json={"category": "call_butler"},
                                 headers=headers)
        sent[response.json()["request"]["id"]] = started
        time.sleep(0.1)
    listener.join(timeout=30)
    return [(received[i] - sent[i]) * 1000 for i in sent if i in received]


def _escalation_lag(base: str, device_token: str, staff_token: str, count: int = 10) -> list[float]:
    """Emergencies with a 2 s deadline; how long after it did each escalate (from the event)."""
    ids = []
    device_headers = {"Authorization": f"Bearer {device_token}"}
    for _ in range(count):
        response = requests.post(f"{base}/api/v1/devices/bench-1/requests", json={"category": "emergency"},
                                 headers=device_headers)
        ids.append(response.json()["request"]["id"])
        time.sleep(0.2)
    time.sleep(5)
    lags = []
    for request_id in ids:
        body = requests.get(f"{base}/api/v1/requests/{request_id}",
                            headers={"Authorization": f"Bearer {staff_token}"}).json()
        escalated = [e for e in body["events"] if e["type"] == "escalated"]
        if escalated:
            lags.append(escalated[0]["data"]["overdue_s"])
    return lags


if __name__ == "__main__":
    main()
