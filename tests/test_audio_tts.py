"""TTS with the real engine: pyttsx3 on espeak-ng 1.52 (Mandarin that is really Mandarin)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import wave
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from audio_fixtures import clip_pcm, quiet, write_wav
from shared_data import SPEECH

from assistant.protocol import StageEventType
from audio.errors import TtsError
from audio.playback import BLOCK_MS, BargeIn, WavSink, speak
from audio.sources import WavFileSource
from audio.tracing import TraceRecorder
from audio.tts import Synthesiser

ROOT = Path(__file__).resolve().parents[1]
GUANJIA = str(ROOT / ".venv" / "bin" / "guanjia")
REPLY = "好的，已为您通知工程部，师傅马上到。"  # 15 Chinese characters
WELCOME = "欢迎回家，您的快递已经到了前台"
_TONE = re.compile(r"(?:55|35|214|21|51|11|33)")


@pytest.fixture(scope="module")
def synthesiser() -> Synthesiser:
    return Synthesiser()


def wav_seconds(path: Path) -> tuple[float, int, int, int]:
    with wave.open(str(path)) as wav:
        return (wav.getnframes() / wav.getframerate(), wav.getframerate(), wav.getnchannels(),
                wav.getsampwidth())


def test_engine_is_espeak_ng_1_52_from_the_wheel(synthesiser: Synthesiser) -> None:
    import espeakng_loader

    assert synthesiser.version.startswith("1.52")
    assert Path(synthesiser.data_path).resolve() == Path(espeakng_loader.get_data_path()).resolve()


def test_mandarin_is_really_mandarin(synthesiser: Synthesiser) -> None:
    phonemes = synthesiser.phonemes(WELCOME, "zh")
    assert "(en)" not in phonemes  # no switch to English spelling
    assert "Xua55n" in phonemes and "X'uei35" in phonemes  # 欢 huān, 回 huí
    assert len(_TONE.findall(phonemes)) >= 14  # a tone on (nearly) every syllable
    english = synthesiser.phonemes("Welcome home", "en")
    assert english.startswith("w'Elk") and "(cmn)" not in english


def test_debian_espeak_1_51_is_what_we_avoid() -> None:
    """The pitfall the engine check guards against: 1.51 spells Chinese as English pinyin."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        pytest.skip("Debian's espeak-ng is not installed here: nothing to contrast with")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    if "1.51" not in version:
        pytest.skip(f"system espeak-ng is {version.strip()}, not the 1.51 this guards against")
    heard = subprocess.run([binary, "-v", "cmn", "-x", "-q", WELCOME], capture_output=True,
                           text=True, env={**os.environ, "LANG": "C.UTF-8"}).stdout
    assert "(en)" in heard


def test_a_process_that_loaded_espeak_1_51_first_is_refused() -> None:
    if not shutil.which("espeak-ng"):
        pytest.skip("no system espeak-ng: pyttsx3 cannot pick up a wrong one here")
    code = ("import pyttsx3.drivers._espeak\n"
            "from audio.tts import Synthesiser\nSynthesiser()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode != 0
    assert "TtsError" in result.stderr and "needs ≥ 1.52" in result.stderr


def test_mandarin_reply_duration_is_plausible_and_slow_is_slower(
        synthesiser: Synthesiser, tmp_path: Path) -> None:
    normal = tmp_path / "normal.wav"
    result = speak(synthesiser, REPLY, WavSink(normal), lang="zh", rate="normal")
    seconds, rate, channels, width = wav_seconds(normal)
    assert (rate, channels, width) == (22050, 1, 2)
    assert result.played_ms == pytest.approx(seconds * 1000, abs=1)
    # Mandarin runs 2.5–6 syllables/s; 1.51's English spelling takes ~12 s for this reply
    assert 15 * 0.15 <= seconds <= 15 * 0.45, seconds
    slow = tmp_path / "slow.wav"
    speak(synthesiser, REPLY, WavSink(slow), lang="zh", rate="slow")
    assert wav_seconds(slow)[0] > 1.15 * seconds


def test_english_reply(synthesiser: Synthesiser, tmp_path: Path) -> None:
    out = tmp_path / "en.wav"
    speak(synthesiser, "Your parcel is at the front desk.", WavSink(out), lang="en")
    assert 1.0 <= wav_seconds(out)[0] <= 4.0


def test_reply_is_traced_with_time_to_first_audio(synthesiser: Synthesiser,
                                                  tmp_path: Path) -> None:
    recorder = TraceRecorder()
    result = speak(synthesiser, REPLY, WavSink(tmp_path / "r.wav"), recorder=recorder)
    events = recorder.trace.events
    assert [e.type for e in events] == [StageEventType.TTS_START, StageEventType.TTS_FIRST_AUDIO,
                                        StageEventType.TTS_END]
    assert result.first_audio_ms is not None and result.first_audio_ms >= 0
    assert events[0].data["chars"] == len(REPLY)
    assert events[-1].data == {"played_ms": round(result.played_ms, 1)}


def test_reply_marks_continue_the_utterance_trace(synthesiser: Synthesiser,
                                                 tmp_path: Path) -> None:
    """The hub returns the utterance's trace; the device adds its reply to the same timeline."""
    from assistant.protocol import Trace

    class Ticking:  # an injected clock that moves 10 ms each time it is read
        def __init__(self) -> None:
            self.ms = 0

        def monotonic(self) -> float:
            self.ms += 10
            return self.ms / 1000

        def now_utc(self) -> datetime:
            return datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc) + timedelta(
                milliseconds=self.ms)

    utterance = Trace()
    utterance.mark(StageEventType.VAD_START, t_ms=0.0)
    utterance.mark(StageEventType.ROUTE_END, t_ms=900.0)
    back = Trace.from_dict(utterance.to_dict())
    recorder = TraceRecorder(back, clock=Ticking())
    speak(synthesiser, "好的", WavSink(tmp_path / "ok.wav"), recorder=recorder)
    marks = [(e.type.value, e.t_ms) for e in back.events]
    assert marks[2:] == [("tts-start", 920.0), ("tts-first-audio", 930.0), ("tts-end", 940.0)]
    assert back.events[2].at == "2026-11-26T02:00:00.030Z"  # the injected clock's wall time


def test_speech_while_a_reply_plays_stops_it(synthesiser: Synthesiser, tmp_path: Path) -> None:
    owner = WavFileSource(write_wav(tmp_path / "mic.wav", quiet(1.0) + clip_pcm(
        SPEECH / "ko" / "sub100121a00041.wav") + quiet(1.0)))
    recorder = TraceRecorder()
    out = tmp_path / "cut.wav"
    long_reply = REPLY + WELCOME + REPLY
    result = speak(synthesiser, long_reply, WavSink(out), barge_in=BargeIn(owner),
                   recorder=recorder)
    assert result.barged_in
    # stopped within a few hundred ms of the owner starting to speak at 1.0 s (audio time)
    assert 1000 <= result.played_ms <= 1000 + 300 + BLOCK_MS
    assert wav_seconds(out)[0] * 1000 == pytest.approx(result.played_ms, abs=1)
    assert recorder.trace.events[-1].data["stopped"] == "barge-in"
    # the same reply with a quiet room plays to the end
    quiet_room = WavFileSource(write_wav(tmp_path / "room.wav", quiet(20.0)))
    full = speak(synthesiser, long_reply, WavSink(tmp_path / "full.wav"),
                 barge_in=BargeIn(quiet_room))
    assert not full.barged_in and full.played_ms > 3 * result.played_ms


def test_say_cli(tmp_path: Path) -> None:
    out = tmp_path / "reply.wav"
    result = subprocess.run([GUANJIA, "say", REPLY, "--rate", "slow", "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 15 * 0.2 <= wav_seconds(out)[0] <= 15 * 0.6
    assert "zh speech" in result.stderr
    no_speaker = subprocess.run([GUANJIA, "say", "hello", "--device", "no-such-speaker"],
                                capture_output=True, text=True, timeout=120)
    assert no_speaker.returncode == 1 and "no audio output device" in no_speaker.stderr
    assert "Traceback" not in no_speaker.stderr
    bad_rate = subprocess.run([GUANJIA, "say", "hello", "--rate", "warp", "--out", str(out)],
                              capture_output=True, text=True, timeout=120)
    assert bad_rate.returncode == 1 and "unknown speech rate" in bad_rate.stderr


def test_unknown_language_is_a_typed_error(synthesiser: Synthesiser, tmp_path: Path) -> None:
    with pytest.raises(TtsError, match="no voice for language"):
        speak(synthesiser, "안녕하세요", WavSink(tmp_path / "ko.wav"), lang="ko")
