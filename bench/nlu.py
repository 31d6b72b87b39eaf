"""NLU benchmark: load time, parse latency in process and over HTTP, RSS, hub start-up.

Baselines are measured in the same run, because this machine is shared and
noisy: the adapter's parse is compared with a bare Rasa parse of the same
normalised texts, that one with Rasa's stock code paths (a child process with
nlu/rasa_inference.py's shortcuts off), and an HTTP parse with an HTTP
/healthz on the same server.
Prints figures, then one JSON line.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from nlu.adapter import LocalRasa, NluAdapter  # noqa: E402
from nlu.normalise import detect_language, normalise  # noqa: E402
from nlu.training import find_model, load_source_data, prepare  # noqa: E402

ROUNDS = 3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def process_cpu_s() -> float:
    """CPU seconds this process has used, all its threads together."""
    times = os.times()
    return times.user + times.system


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_texts() -> list[str]:
    """300 lines spread evenly over the training data: owners' sentences, short and long, in both languages.

    (Until 2026-11-28 this took every fifth line of the first 1,500, which are all English.)
    """
    data, _ = prepare("all")
    lines = [m.get("text") for m in data.intent_examples]
    return lines[::max(1, len(lines) // 300)][:300]


def unseen_texts() -> dict[str, list[str]]:
    """The lines of the two blind sets by language: owners' phrasing no model was trained on.

    Unlike the training lines above, some of these leave DIET and the linear model unsure, and
    only those consult the fine-tuned transformer, which costs more than the rest of a parse.
    """
    files = [ROOT / "tests/data/nlu_blind.yml", ROOT / "tests/data/nlu_blind_speech.yml"]
    data = load_source_data([f for f in files if f.exists()])
    texts = [m.get("text") for m in data.intent_examples]
    return {lang: [t for t in texts if detect_language(t) == lang] for lang in ("zh", "en")}


def transformer_of(engine: LocalRasa):
    """The loaded model's fine-tuned transformer, or None for a model without one."""
    from nlu.components import TransformerIntentBlender

    for node in engine._agent.processor.graph_runner._instantiated_nodes.values():  # noqa: SLF001
        if isinstance(getattr(node, "_component", None), TransformerIntentBlender):
            return node._component._model  # noqa: SLF001
    return None


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    settings = Settings.from_env()
    model, _ = find_model(settings.nlu_models_dir)
    if model is None:
        sys.exit("no NLU model: run `guanjia nlu train` (or `make models`)")
    texts = bench_texts()

    started = time.perf_counter()
    engine = LocalRasa(model)
    load_s = time.perf_counter() - started
    adapter = NluAdapter(engine)
    adapter.warm()
    rss = rss_mb()

    encoder_rss = encoder_worker_rss()
    normalised = [normalise(t).text for t in texts]
    ours, bare = [], []
    cpu_s = wall_s = 0.0
    for _ in range(ROUNDS):  # interleave rounds so both see the same machine load
        bare += timed(engine.parse, normalised)
        cpu_started, wall_started = process_cpu_s(), time.perf_counter()
        ours += timed(adapter.parse, texts)
        cpu_s += process_cpu_s() - cpu_started
        wall_s += time.perf_counter() - wall_started
    by_language = {lang: [ms for ms, t in zip(ours, texts * ROUNDS, strict=True) if detect_language(t) == lang]
                   for lang in ("zh", "en")}
    blind = unseen_texts()
    unseen: dict[str, list[float]] = {lang: [] for lang in blind}
    for _ in range(ROUNDS):
        for lang, lines in blind.items():
            unseen[lang] += timed(adapter.parse, lines)
    transformer = transformer_of(engine)
    forward = timed(transformer.probabilities, blind["zh"] + blind["en"]) if transformer is not None else [0.0]
    stock = stock_rasa_timings(model)

    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/guanjia"), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.perf_counter() - started > 180:
                sys.exit("hub did not start")
            time.sleep(0.2)
        startup_s = time.perf_counter() - started
        session = requests.Session()
        http, health = [], []
        for _ in range(ROUNDS):
            health += timed(lambda _: session.get(f"{base}/healthz"), texts[:100])
            http += timed(lambda t: session.post(f"{base}/api/v1/parse", json={"text": t}), texts)
        worker_rss = max((rss_mb(p) for p in _children(server.pid)), default=0.0)
    finally:
        server.terminate()
        server.wait(timeout=30)

    figures = {
        "bench": "nlu",
        "model": model.name,
        "n_texts": len(texts),
        "load_s": round(load_s, 2),
        "rss_mb_after_load": round(rss, 0),
        "encoder_worker_rss_mb": round(encoder_rss, 0),
        "parse_p50_ms": round(statistics.median(ours), 2),
        "parse_p95_ms": round(percentile(ours, 0.95), 2),
        **{f"parse_{q}_ms_{lang}": round(percentile(v, p), 2) for lang, v in by_language.items()
           for q, p in (("p50", 0.5), ("p95", 0.95))},
        "n_texts_zh": len(by_language["zh"]) // ROUNDS,
        **{f"n_unseen_{lang}": len(lines) for lang, lines in blind.items()},
        **{f"unseen_{lang}_parse_{q}_ms": round(percentile(v, p), 2) for lang, v in unseen.items()
           for q, p in (("p50", 0.5), ("p95", 0.95))},
        "transformer_forward_p50_ms": round(statistics.median(forward), 2),
        "transformer_forward_p95_ms": round(percentile(forward, 0.95), 2),
        "parse_process_cpu_per_wall": round(cpu_s / wall_s, 2),
        "bare_rasa_p50_ms": round(statistics.median(bare), 2),
        "bare_rasa_p95_ms": round(percentile(bare, 0.95), 2),
        "adapter_overhead_ratio": round(statistics.median(ours) / statistics.median(bare), 3),
        "stock_rasa_p50_ms": round(statistics.median(stock), 2),
        "stock_rasa_p95_ms": round(percentile(stock, 0.95), 2),
        "shortcut_speedup_p50": round(statistics.median(stock) / statistics.median(bare), 3),
        "http_parse_p50_ms": round(statistics.median(http), 2),
        "http_parse_p95_ms": round(percentile(http, 0.95), 2),
        "http_healthz_p50_ms": round(statistics.median(health), 2),
        "http_over_inprocess_ratio": round(statistics.median(http) / statistics.median(ours), 3),
        "hub_start_to_healthz_s": round(startup_s, 1),
        "hub_worker_rss_mb": round(worker_rss, 0),
    }
    print(f"model load            {figures['load_s']} s, RSS {figures['rss_mb_after_load']} MB"
          f" + sentence encoder worker {figures['encoder_worker_rss_mb']} MB")
    print(f"parse (adapter)       p50 {figures['parse_p50_ms']} ms  p95 {figures['parse_p95_ms']} ms"
          f"  ({figures['n_texts_zh']} of {len(texts)} lines Mandarin)")
    for lang in ("zh", "en"):
        print(f"  {lang}                  p50 {figures[f'parse_p50_ms_{lang}']} ms"
              f"  p95 {figures[f'parse_p95_ms_{lang}']} ms")
    for lang, name in (("zh", "Mandarin"), ("en", "English")):
        print(f"unseen {name:<15}p50 {figures[f'unseen_{lang}_parse_p50_ms']} ms"
              f"  p95 {figures[f'unseen_{lang}_parse_p95_ms']} ms  ({len(blind[lang])} blind-set lines)")
    print(f"  the transformer, asked when the blend is unsure: p50 {figures['transformer_forward_p50_ms']} ms"
          f"  p95 {figures['transformer_forward_p95_ms']} ms")
    print(f"  CPU of this process {figures['parse_process_cpu_per_wall']} cores while parsing"
          " (the encoder's worker needs the other core)")
    print(f"parse (bare Rasa)     p50 {figures['bare_rasa_p50_ms']} ms  p95 {figures['bare_rasa_p95_ms']} ms"
          f"  → adapter/bare {figures['adapter_overhead_ratio']}")
    print(f"parse (stock Rasa)    p50 {figures['stock_rasa_p50_ms']} ms  p95 {figures['stock_rasa_p95_ms']} ms"
          f"  → stock/bare {figures['shortcut_speedup_p50']} (nlu/rasa_inference.py off)")
    print(f"parse over HTTP       p50 {figures['http_parse_p50_ms']} ms  p95 {figures['http_parse_p95_ms']} ms"
          f"  (healthz p50 {figures['http_healthz_p50_ms']} ms)")
    print(f"hub start → /healthz  {figures['hub_start_to_healthz_s']} s, worker RSS {figures['hub_worker_rss_mb']} MB")
    print(json.dumps(figures))


def stock_rasa_timings(model: Path) -> list[float]:
    """Parse timings of the same texts with Rasa's own code paths (a child process, shortcuts off)."""
    env = {**os.environ, "GUANJIA_NLU_STOCK_RASA": "1"}
    result = subprocess.run([sys.executable, __file__, "--stock-timings", str(model)], env=env,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _print_stock_timings(model: Path) -> None:
    texts = [normalise(t).text for t in bench_texts()]
    engine = LocalRasa(model)
    NluAdapter(engine).warm()
    timings: list[float] = []
    for _ in range(ROUNDS):
        timings += timed(engine.parse, texts)
    print(json.dumps(timings))


def encoder_worker_rss() -> float:
    """RSS of this process's sentence encoder worker (started by the adapter's warm-up), 0 without one."""
    from nlu.sentence_encoder import load_sentence_encoder

    worker = load_sentence_encoder()._worker
    return rss_mb(str(worker.pid)) if worker is not None else 0.0


def _children(pid: int) -> list[str]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("PPid:") and int(line.split()[1]) == pid:
                found.append(status.parent.name)
    return found


if __name__ == "__main__":
    if sys.argv[1:2] == ["--stock-timings"]:
        _print_stock_timings(Path(sys.argv[2]))
    else:
        main()
