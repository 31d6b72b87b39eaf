"""Speech benchmark: pipeline real-time factor vs a bare Vosk decode, endpoint → final
latency, and TTS time to first audio.

Baselines are measured in the same run, because this machine is shared and noisy:
the whole streaming pipeline (WAV source → conversion → endpointing → Vosk →
normalisation) is compared with a bare Vosk decode of the same audio (fresh
recogniser, 90 ms chunks, every segment's text), rounds interleaved so both see the
same load. Audio: the shared Korean clips with 0.5 s of quiet room before and
1.2 s after, so each utterance ends on trailing silence as a live one does.
Prints figures, then one JSON line.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio.formats import MODEL_FORMAT, float_to_pcm16, read_wav, write_wav  # noqa: E402
from audio.models import load_model  # noqa: E402
from audio.pipeline import ListenPipeline, Utterance  # noqa: E402
from audio.settings import AudioSettings  # noqa: E402
from audio.sources import WavFileSource  # noqa: E402
from tests.shared_data import SPEECH  # noqa: E402  (the team share; GUANJIA_SHARED_DATA moves it)

ROUNDS = 3
CHUNK_BYTES = MODEL_FORMAT.bytes_for_ms(90)
REPLY = "好的，已为您通知工程部，师傅马上到。"  # 15 Chinese characters
TTS_RUNS = 20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def quiet(seconds: float, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return float_to_pcm16(rng.standard_normal(int(16000 * seconds)) * 10 ** (-70 / 20))


def edits(reference: str, hypothesis: str) -> tuple[int, int]:
    """Character edits and reference length (see audio.cer)."""
    from audio.cer import cer_counts

    return cer_counts(reference, hypothesis)


def bare_decode(model, pcm: bytes) -> str:
    decoder = model.decoder()
    texts = []
    for offset in range(0, len(pcm), CHUNK_BYTES):
        if decoder.AcceptWaveform(pcm[offset:offset + CHUNK_BYTES]):
            texts.append(json.loads(decoder.Result())["text"])
    texts.append(json.loads(decoder.FinalResult())["text"])
    return " ".join(t for t in texts if t)


def main() -> None:
    settings = AudioSettings.from_env()
    started = time.perf_counter()
    model = load_model(settings, "ko")
    load_s = time.perf_counter() - started
    pipeline = ListenPipeline(model, "ko")

    workdir = Path(tempfile.mkdtemp(prefix="bench-stt-"))
    with (SPEECH / "ko" / "transcripts.tsv").open(encoding="utf-8") as handle:
        references = {row["file"]: row["transcript"]
                      for row in csv.DictReader(handle, delimiter="\t")}
    clips: list[tuple[Path, bytes]] = []
    for index, path in enumerate(sorted((SPEECH / "ko").glob("*.wav"))):
        _, speech = read_wav(path)
        pcm = quiet(0.5, index) + speech + quiet(1.2, 100 + index)
        target = workdir / path.name
        write_wav(target, pcm)
        clips.append((target, pcm))
    audio_s = sum(len(pcm) for _, pcm in clips) / MODEL_FORMAT.bytes_per_second

    bare_s: list[float] = []
    pipe_s: list[float] = []
    latencies: list[float] = []
    reasons: dict[str, int] = {}
    errors = {"bare": [0, 0], "pipeline": [0, 0]}
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        bare_texts = [bare_decode(model, pcm) for _, pcm in clips]
        bare_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        heard = [[e for e in pipeline.run(WavFileSource(path)) if isinstance(e, Utterance)]
                 for path, _ in clips]
        pipe_s.append(time.perf_counter() - t0)
        utterances = [u for per_clip in heard for u in per_clip]
        for (path, _), bare_text, per_clip in zip(clips, bare_texts, heard, strict=True):
            for side, text in (("bare", bare_text), ("pipeline", " ".join(u.text for u in
                                                                          per_clip))):
                wrong, total = edits(references[path.name], text)
                errors[side][0] += wrong
                errors[side][1] += total
        latencies += [u.endpoint_to_final_ms for u in utterances]
        for u in utterances:
            reasons[u.end_reason.value] = reasons.get(u.end_reason.value, 0) + 1

    ttfa, synth_ms, reply_s = tts_figures()

    bare_rtf = statistics.median(bare_s) / audio_s
    pipe_rtf = statistics.median(pipe_s) / audio_s
    ratios = [p / b for p, b in zip(pipe_s, bare_s, strict=True)]
    figures = {
        "model": model.name,
        "model_load_s": round(load_s, 2),
        "audio_s": round(audio_s, 2),
        "rounds": ROUNDS,
        "bare_rtf": round(bare_rtf, 3),
        "pipeline_rtf": round(pipe_rtf, 3),
        "pipeline_vs_bare": round(statistics.median(ratios), 3),
        "pipeline_vs_bare_rounds": [round(r, 3) for r in ratios],
        "cer_bare": round(errors["bare"][0] / errors["bare"][1], 4),
        "cer_pipeline": round(errors["pipeline"][0] / errors["pipeline"][1], 4),
        "endpoint_to_final_ms_p50": round(percentile(latencies, 0.5), 1),
        "endpoint_to_final_ms_p95": round(percentile(latencies, 0.95), 1),
        "utterances": len(latencies),
        "end_reasons": reasons,
        "tts_first_audio_ms_p50": round(percentile(ttfa, 0.5), 1),
        "tts_first_audio_ms_p95": round(percentile(ttfa, 0.95), 1),
        "tts_synthesis_ms_p50": round(percentile(synth_ms, 0.5), 1),
        "tts_reply_s": round(reply_s, 2),
        "tts_reply_chars": sum(1 for ch in REPLY if "\u4e00" <= ch <= "\u9fff"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(f"model {model.name}: loaded in {load_s:.1f} s; {len(clips)} clips, "
          f"{audio_s:.1f} s of audio, {ROUNDS} interleaved rounds")
    print(f"real-time factor: bare Vosk {bare_rtf:.3f}, whole pipeline {pipe_rtf:.3f} "
          f"(pipeline/bare {figures['pipeline_vs_bare']:.3f}×, target ≤ 1.05×)")
    print(f"character error rate over all rounds: bare {figures['cer_bare']:.1%}, "
          f"pipeline {figures['cer_pipeline']:.1%}")
    print(f"endpoint → final text: p50 {figures['endpoint_to_final_ms_p50']:.0f} ms, "
          f"p95 {figures['endpoint_to_final_ms_p95']:.0f} ms over {len(latencies)} utterances "
          f"(target p95 ≤ 150 ms) {reasons}")
    print(f"TTS, {figures['tts_reply_chars']}-character Mandarin reply ({reply_s:.2f} s of "
          f"speech): first audio p50 {figures['tts_first_audio_ms_p50']:.1f} ms, p95 "
          f"{figures['tts_first_audio_ms_p95']:.1f} ms; whole synthesis p50 "
          f"{figures['tts_synthesis_ms_p50']:.1f} ms")
    print(f"load average {figures['load_average']} on {figures['cpus']} CPUs (shared machine)")
    print(json.dumps(figures, ensure_ascii=False))


class _NullSink:
    """Discards audio (the time to first audio is what is measured, not a sound card)."""

    def __init__(self) -> None:
        self.frames = 0

    def open(self, fmt) -> None:
        self.fmt = fmt

    def write(self, pcm: bytes) -> None:
        self.frames += len(pcm) // 2

    def close(self, aborted: bool = False) -> None:
        pass


def tts_figures() -> tuple[list[float], list[float], float]:
    from audio.playback import speak
    from audio.tts import Synthesiser

    synthesiser = Synthesiser()
    speak(synthesiser, REPLY, _NullSink())  # warm the voice data
    first_audio, whole = [], []
    reply_s = 0.0
    for _ in range(TTS_RUNS):
        sink = _NullSink()
        started = time.perf_counter()
        result = speak(synthesiser, REPLY, sink)
        whole.append((time.perf_counter() - started) * 1000)
        first_audio.append(result.first_audio_ms or 0.0)
        reply_s = sink.frames / synthesiser.fmt.rate_hz
    return first_audio, whole, reply_s


if __name__ == "__main__":
    main()
