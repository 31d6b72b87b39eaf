"""Audio sources and formats: any rate/width/channels in, 16 kHz mono s16 out, or a clear error."""

from __future__ import annotations

import io
import os
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from audio_fixtures import clip_pcm, float_wav, to_44k_stereo, write_wav
from scipy.signal import resample_poly
from shared_data import SPEECH

from audio.errors import AudioFormatError, EmptyAudio, NoAudioDevice, TruncatedAudio
from audio.formats import (
    MODEL_FORMAT,
    AudioFormat,
    StreamConverter,
    float_to_pcm16,
    read_wav_header,
    to_float_mono,
)
from audio.sources import MicrophoneSource, RawPcmSource, WavFileSource

GUANJIA = str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "guanjia")
CLIP = SPEECH / "ko" / "sub100121a00067.wav"


def _convert_in_pieces(pcm: bytes, fmt: AudioFormat, seed: int = 0) -> bytes:
    converter = StreamConverter(fmt)
    rng = np.random.default_rng(seed)
    out, i = b"", 0
    while i < len(pcm):
        n = int(rng.integers(1, 7000))  # arbitrary cuts, also inside a sample frame
        out += converter.convert(pcm[i:i + n])
        i += n
    return out + converter.flush()


@pytest.mark.parametrize("rate_hz", [8000, 11025, 22050, 44100, 48000])
def test_streaming_conversion_equals_whole_file_resampling(rate_hz: int) -> None:
    rng = np.random.default_rng(rate_hz)
    stereo = rng.standard_normal((rate_hz, 2)) * 0.1
    fmt = AudioFormat(rate_hz, 2, 2)
    pcm = float_to_pcm16(stereo.reshape(-1))
    gcd = np.gcd(rate_hz, 16000)
    expected = float_to_pcm16(resample_poly(to_float_mono(pcm, fmt), 16000 // gcd, rate_hz // gcd))
    assert _convert_in_pieces(pcm, fmt) == expected


def test_model_format_passes_through_untouched() -> None:
    pcm = clip_pcm(CLIP)
    assert StreamConverter(MODEL_FORMAT).convert(pcm) == pcm


@pytest.mark.parametrize("width", [1, 3, 4])
def test_integer_widths_decode_to_the_same_signal(tmp_path: Path, width: int) -> None:
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(1600) / 16000)
    if width == 1:
        raw = np.clip(np.rint(tone * 128 + 128), 0, 255).astype(np.uint8).tobytes()
    elif width == 3:
        ints = np.rint(tone * (1 << 23)).astype(np.int32)
        raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints)
    else:
        raw = np.rint(tone * (1 << 31)).clip(-(1 << 31), (1 << 31) - 1).astype("<i4").tobytes()
    path = write_wav(tmp_path / f"w{width}.wav", raw, AudioFormat(16000, width, 1))
    info = read_wav_header(path)
    assert info.fmt == AudioFormat(16000, width, 1)
    decoded = to_float_mono(raw, info.fmt)
    assert np.max(np.abs(decoded - tone)) < (1 / 100 if width == 1 else 1e-4)


def test_float_and_extensible_headers_are_read(tmp_path: Path) -> None:
    samples = (np.sin(np.arange(4800) / 10) * 0.3).astype("<f4").tobytes()
    assert read_wav_header(float_wav(tmp_path / "f.wav", samples, 48000)).fmt == AudioFormat(
        48000, 4, 1, is_float=True)
    # WAVE_FORMAT_EXTENSIBLE, 24-bit stereo PCM, as sox writes it
    pcm = bytes(6 * 100)
    fmt_body = struct.pack("<HHIIHHHHI16s", 0xFFFE, 2, 44100, 44100 * 6, 6, 24, 22, 24, 3,
                           b"\x01\x00" + bytes(14))
    riff = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_body)) + fmt_body + b"data" + struct.pack(
        "<I", len(pcm)) + pcm
    path = tmp_path / "ext.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(riff)) + riff)
    assert read_wav_header(path).fmt == AudioFormat(44100, 3, 2)


def test_wav_source_chunks_carry_audio_time(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "s.wav", to_44k_stereo(clip_pcm(CLIP)), AudioFormat(44100, 2, 2))
    chunks = list(WavFileSource(path, chunk_ms=100))
    assert [round(c.timestamp_ms) for c in chunks[:3]] == [0, 100, 200]
    assert sum(c.duration_ms for c in chunks) == pytest.approx(1927.6, abs=1)


def test_empty_wav_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(EmptyAudio, match="empty") as caught:
        WavFileSource(empty)
    assert caught.value.code == "audio-empty" and str(empty) in caught.value.message
    header_only = write_wav(tmp_path / "none.wav", b"")
    with pytest.raises(EmptyAudio, match="no audio samples"):
        WavFileSource(header_only)


def test_truncated_wav_is_a_clear_error(tmp_path: Path) -> None:
    whole = CLIP.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(TruncatedAudio, match="truncated") as caught:
        WavFileSource(cut)
    assert caught.value.code == "audio-truncated"
    cut.write_bytes(whole[:30])  # inside the header
    with pytest.raises(TruncatedAudio, match="truncated"):
        WavFileSource(cut)


def test_compressed_or_foreign_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    mulaw = bytearray(CLIP.read_bytes())
    mulaw[20:22] = struct.pack("<H", 7)
    (tmp_path / "mulaw.wav").write_bytes(bytes(mulaw))
    with pytest.raises(AudioFormatError, match="µ-law.*PCM"):
        WavFileSource(tmp_path / "mulaw.wav")
    (tmp_path / "notes.wav").write_text("not audio at all")
    with pytest.raises(AudioFormatError, match="not a WAV"):
        WavFileSource(tmp_path / "notes.wav")
    with pytest.raises(AudioFormatError, match="5 bytes"):
        AudioFormat(16000, 5, 1)


def test_streamed_header_without_size_is_read_to_the_end(tmp_path: Path) -> None:
    data = bytearray(CLIP.read_bytes())
    data[40:44] = struct.pack("<I", 0xFFFFFFFF)  # data size unknown, as a pipe writer leaves it
    (tmp_path / "streamed.wav").write_bytes(bytes(data))
    assert read_wav_header(tmp_path / "streamed.wav").data_bytes == len(clip_pcm(CLIP))


def test_raw_stream_source(tmp_path: Path) -> None:
    pcm = clip_pcm(CLIP)
    source = RawPcmSource(io.BytesIO(pcm), MODEL_FORMAT, chunk_ms=200)
    chunks = list(source)
    assert b"".join(c.audio for c in chunks) == pcm
    assert chunks[1].timestamp_ms == 200
    with pytest.raises(EmptyAudio, match="without any audio"):
        list(RawPcmSource(io.BytesIO(b""), MODEL_FORMAT, name="stdin"))


def test_missing_microphone_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(NoAudioDevice, match="no audio input device") as caught:
        MicrophoneSource("no-such-microphone-here")
    assert caught.value.code == "no-audio-device"
    result = subprocess.run([GUANJIA, "listen", "--mic", "--device", "no-such-microphone-here"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "GUANJIA_MODELS_DIR": str(tmp_path)})
    assert result.returncode == 1 and "Error: no audio input device" in result.stderr
    assert "Traceback" not in result.stderr
