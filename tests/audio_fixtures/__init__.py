"""Audio test fixtures generated at run time from the shared clips (nothing binary is checked in).

Speech clips come from ``../shared/data/speech`` (real recordings); silence gaps
are a −70 dBFS noise floor, as a quiet room gives; noises are seeded so every run
hears the same thing. Also: fake Vosk model trees and zips for the model manager,
and a small HTTP server with ``Range`` support that can cut a download short.
"""

from __future__ import annotations

import csv
import http.server
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from audio.formats import MODEL_FORMAT, AudioFormat, StreamConverter, float_to_pcm16, read_wav
from audio.formats import write_wav as _write_wav

RATE = MODEL_FORMAT.rate_hz


def transcripts(speech_dir: Path, lang: str) -> list[tuple[Path, str]]:
    """(clip path, reference text) for every clip of ``lang``."""
    with (speech_dir / lang / "transcripts.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(speech_dir / lang / row["file"], row["transcript"]) for row in rows]


def clip_pcm(path: Path) -> bytes:
    """A shared clip's samples (they are 16 kHz mono s16 already)."""
    fmt, pcm = read_wav(path)
    assert fmt == MODEL_FORMAT, fmt
    return pcm


def quiet(seconds: float, dbfs: float = -70.0, seed: int = 1) -> bytes:
    """A quiet room: white noise at ``dbfs`` RMS."""
    rng = np.random.default_rng(seed)
    return float_to_pcm16(rng.standard_normal(int(RATE * seconds)) * 10 ** (dbfs / 20))


def noise(kind: str, seconds: float, dbfs: float = -30.0, seed: int = 2) -> bytes:
    """White, pink (1/f) or brown (1/f², rumble) noise at ``dbfs`` RMS."""
    rng = np.random.default_rng(seed)
    n = int(RATE * seconds)
    white = rng.standard_normal(n)
    if kind == "white":
        shaped = white
    else:
        spectrum = np.fft.rfft(white)
        freqs = np.maximum(np.arange(len(spectrum)), 1)
        shaped = np.fft.irfft(spectrum / (freqs ** (0.5 if kind == "pink" else 1.0)), n)
    shaped = shaped / np.std(shaped) * 10 ** (dbfs / 20)
    return float_to_pcm16(shaped)


def duration_ms(pcm: bytes) -> float:
    return MODEL_FORMAT.duration_ms(len(pcm))


def write_wav(path: Path, pcm: bytes, fmt: AudioFormat = MODEL_FORMAT) -> Path:
    _write_wav(path, pcm, fmt)
    return path


def to_44k_stereo(pcm: bytes) -> bytes:
    """The same audio as a 44.1 kHz stereo recording (a mono microphone on two channels)."""
    from scipy.signal import resample_poly

    mono = np.frombuffer(pcm, "<i2") / 32768.0
    up = resample_poly(mono, 441, 160)
    stereo = np.stack([up, up], axis=1).reshape(-1)
    return float_to_pcm16(stereo)


def to_48k_float(pcm: bytes) -> bytes:
    """The same audio as 48 kHz mono 32-bit float."""
    from scipy.signal import resample_poly

    mono = np.frombuffer(pcm, "<i2") / 32768.0
    return resample_poly(mono, 3, 1).astype("<f4").tobytes()


def float_wav(path: Path, samples: bytes, rate_hz: int) -> Path:
    """A WAVE_FORMAT_IEEE_FLOAT file (the ``wave`` module cannot write one)."""
    header = (b"fmt " + (16).to_bytes(4, "little") + (3).to_bytes(2, "little")
              + (1).to_bytes(2, "little") + rate_hz.to_bytes(4, "little")
              + (rate_hz * 4).to_bytes(4, "little") + (4).to_bytes(2, "little")
              + (32).to_bytes(2, "little"))
    data = b"data" + len(samples).to_bytes(4, "little") + samples
    body = b"WAVE" + header + data
    path.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)
    return path


def resample_to_model(pcm: bytes, fmt: AudioFormat) -> bytes:
    """Convert any PCM to 16 kHz mono s16 with the product's converter."""
    converter = StreamConverter(fmt)
    return converter.convert(pcm) + converter.flush()


from audio.cer import cer_counts  # noqa: E402,F401  (re-exported for the tests)

# --- model manager -----------------------------------------------------------

def fake_model_tree(root: Path, lookahead: bool = True, padding_bytes: int = 0) -> Path:
    """Files with a Vosk model's layout (not loadable: for install/verify tests only)."""
    (root / "am").mkdir(parents=True)
    (root / "conf").mkdir()
    (root / "graph" / "phones").mkdir(parents=True)
    (root / "am" / "final.mdl").write_bytes(np.random.default_rng(3).bytes(padding_bytes or 64))
    (root / "conf" / "mfcc.conf").write_text("--use-energy=false\n--sample-frequency=16000\n")
    (root / "conf" / "model.conf").write_text("--endpoint.rule2.min-trailing-silence=0.5\n")
    graphs = ("HCLr.fst", "Gr.fst") if lookahead else ("HCLG.fst",)
    for name in graphs:
        (root / "graph" / name).write_bytes(b"fst")
    (root / "graph" / "phones" / "word_boundary.int").write_text("1 nonword\n")
    (root / "README").write_text("fake model for tests\n")
    return root


def make_zip(source: Path, archive: Path, top: str | None = None) -> Path:
    """Zip ``source`` as official models are: everything inside one folder ``top``."""
    top = top or source.name
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(source.rglob("*")):
            zipped.write(path, f"{top}/{path.relative_to(source)}")
    return archive


class RangeServer:
    """Serves files over HTTP with ``Range`` support; can cut the first response short."""

    def __init__(self, files: dict[str, bytes], cut_first_at: int | None = None) -> None:
        self.files = files
        self.cut_first_at = cut_first_at
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                range_header = self.headers.get("Range")
                server.requests.append((self.path, range_header))
                body = server.files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                start = 0
                if range_header:
                    start = int(re.match(r"bytes=(\d+)-", range_header).group(1))
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                payload = body[start:]
                if server.cut_first_at is not None:
                    payload, server.cut_first_at = payload[: server.cut_first_at], None
                self.wfile.write(payload)
                self.wfile.flush()
                self.close_connection = True

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    @contextmanager
    def running(self) -> Iterator[RangeServer]:
        thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()
            thread.join(timeout=10)
