"""Speech synthesis: pyttsx3's espeak driver, on the espeak-ng 1.52 that ships in a wheel.

Why the ceremony: pyttsx3 loads ``libespeak-ng.so.1`` by soname, which on Debian 12
is espeak-ng 1.51 — and 1.51 reads most Chinese characters as English spellings of
their pinyin ("欢迎" → "huan five ying two"). The ``espeakng-loader`` wheel ships
1.52 with correct Mandarin. So before pyttsx3 is imported the 1.52 library is
loaded with ``RTLD_GLOBAL`` (the dynamic linker then hands pyttsx3 that library for
the same soname) and ``ESPEAK_DATA_PATH`` points at its data while pyttsx3
initialises espeak (pyttsx3 passes no data path; the variable is the only way in,
and it is restored afterwards so child processes do not inherit it).
``prepare`` then proves it: ``espeak_Info`` must say ≥ 1.52 and name the wheel's
data directory, else ``TtsError`` — so a process that imported pyttsx3 earlier
(and got 1.51) fails at start-up, not mid-sentence.

pyttsx3 gives the engine (initialised once per process) and its voice list; voice,
rate and audio go through the same driver binding (``pyttsx3.drivers._espeak``) with our own
synth callback rather than ``save_to_file``: in pyttsx3 2.99 that path writes the
file from espeak's thread with a hard-coded rate, prints to stdout, and under
load handed back the previous utterance's audio. Our callback streams ~1 s
buffers, so playback starts after the first buffer, not the whole reply.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from audio.errors import TtsError
from audio.formats import AudioFormat

__all__ = ["Voice", "VOICES", "RATES_WPM", "Synthesiser", "rate_wpm", "MIN_ESPEAK"]

_LOGGER = logging.getLogger(__name__)

MIN_ESPEAK = (1, 52)
_DATA_ENV = "ESPEAK_DATA_PATH"


@dataclass(frozen=True, slots=True)
class Voice:
    """An espeak-ng voice for one of our languages."""

    lang: str
    espeak_name: str
    """What ``SetVoiceByName`` takes."""
    espeak_lang: str
    """The language code espeak lists for it (checked at prepare)."""


VOICES: dict[str, Voice] = {
    "zh": Voice("zh", "cmn", "cmn"),
    "en": Voice("en", "en-us", "en-us"),
}

RATES_WPM: dict[str, int] = {"slow": 125, "normal": 165, "fast": 200}
"""espeak words per minute. ``slow`` is for elderly owners (about 25 % slower)."""


def rate_wpm(rate: str | int) -> int:
    """A rate name (``slow``/``normal``/``fast``) or words per minute (80–400)."""
    if isinstance(rate, str) and not rate.isdigit():
        try:
            return RATES_WPM[rate]
        except KeyError:
            raise TtsError(f"unknown speech rate {rate!r}: {', '.join(RATES_WPM)} or a number "
                           "of words per minute", code="tts-rate") from None
    wpm = int(rate)
    if not 80 <= wpm <= 400:
        raise TtsError(f"speech rate {wpm} words/min is outside 80–400", code="tts-rate")
    return wpm


def _load_engine() -> tuple[Any, Any, ctypes.CDLL]:
    """Load espeak-ng 1.52, then pyttsx3 on top of it; return (engine, binding, library)."""
    try:
        import espeakng_loader
    except ImportError as err:
        raise TtsError("espeakng-loader is not installed (it ships espeak-ng 1.52)") from err
    library = ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    previous = os.environ.get(_DATA_ENV)
    os.environ[_DATA_ENV] = espeakng_loader.get_data_path()
    try:
        import pyttsx3
        from pyttsx3.drivers import _espeak

        engine = pyttsx3.init("espeak")  # espeak_Initialize reads the variable here, once
    except (ImportError, RuntimeError, OSError) as err:
        raise TtsError(f"pyttsx3 could not start espeak-ng: {err}") from err
    finally:  # do not leak 1.52's data path to child processes (a 1.51 binary misreads it)
        if previous is None:
            os.environ.pop(_DATA_ENV, None)
        else:
            os.environ[_DATA_ENV] = previous
    return engine, _espeak, library


class Synthesiser:
    """pyttsx3 + espeak-ng 1.52; one per process (espeak is process-global), thread-safe.

    :raise TtsError: at construction, when the engine is not espeak-ng ≥ 1.52 with its
        own data, or a voice is missing.
    """

    def __init__(self) -> None:
        self._engine, self._binding, self._lib = _load_engine()
        self._lock = threading.Lock()
        info = self._binding.dll.espeak_Info
        info.restype = ctypes.c_char_p
        info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        data_path = ctypes.c_char_p()
        self.version = (info(ctypes.byref(data_path)) or b"?").decode()
        self.data_path = (data_path.value or b"").decode()
        self._check_engine()
        rate = self._binding.dll.espeak_ng_GetSampleRate
        rate.restype = ctypes.c_int
        self.fmt = AudioFormat(rate() or 22_050, 2, 1)
        _LOGGER.info("TTS: pyttsx3 on espeak-ng %s (%s), %d Hz", self.version, self.data_path,
                     self.fmt.rate_hz)

    def _check_engine(self) -> None:
        import espeakng_loader

        numbers = tuple(int(p) for p in self.version.split(".")[:2] if p.isdigit())
        if numbers < MIN_ESPEAK:
            raise TtsError(f"pyttsx3 is using espeak-ng {self.version}; Mandarin needs ≥ 1.52 "
                           "(from espeakng-loader). Was pyttsx3 imported before audio.tts?",
                           code="tts-engine")
        if os.path.realpath(self.data_path) != os.path.realpath(espeakng_loader.get_data_path()):
            raise TtsError(f"espeak-ng reads its data from {self.data_path}, not the 1.52 data "
                           "shipped with espeakng-loader", code="tts-engine")
        listed = {lang for v in self._engine.getProperty("voices") for lang in v.languages}
        missing = [v.espeak_lang for v in VOICES.values() if v.espeak_lang not in listed]
        if missing:
            raise TtsError(f"espeak-ng has no voice for {', '.join(missing)}", code="tts-voice")

    def _select(self, lang: str, rate: str | int) -> None:
        try:
            voice = VOICES[lang]
        except KeyError:
            raise TtsError(f"no voice for language {lang!r}; have {', '.join(VOICES)}",
                           code="tts-voice") from None
        # The same calls as pyttsx3's EspeakDriver.setProperty; Engine.setProperty would
        # only queue them until its own run loop, which we do not use.
        status = self._binding.SetVoiceByName(voice.espeak_name.encode())
        if status != self._binding.EE_OK:
            raise TtsError(f"espeak-ng rejected voice {voice.espeak_name} (status {status})",
                           code="tts-voice")
        self._binding.SetParameter(self._binding.RATE, rate_wpm(rate), 0)

    def phonemes(self, text: str, lang: str) -> str:
        """espeak's phoneme mnemonics for ``text`` (what ``espeak-ng -x`` prints)."""
        to_phonemes = self._binding.dll.espeak_TextToPhonemes
        to_phonemes.restype = ctypes.c_char_p
        to_phonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        out: list[str] = []
        with self._lock:
            self._binding.Synchronize()
            self._select(lang, "normal")
            while pointer.value:
                clause = to_phonemes(ctypes.byref(pointer), self._binding.CHARS_UTF8, 0)
                out.append((clause or b"").decode("utf-8", "replace").strip())
        return " ".join(p for p in out if p)

    def synthesise(self, text: str, lang: str = "zh", rate: str | int = "normal",
                   stop: threading.Event | None = None) -> Iterator[bytes]:
        """Stream 16-bit mono PCM (``self.fmt``) for ``text`` as espeak produces it.

        Setting ``stop`` cancels synthesis at the next buffer (barge-in).
        """
        if not text.strip():
            return
        stop = stop or threading.Event()
        chunks: queue.Queue[bytes | None] = queue.Queue()
        binding = self._binding

        def on_synth(wav: Any, count: int, events: Any) -> int:
            if count > 0:
                chunks.put(ctypes.string_at(wav, count * 2))
            index = 0
            while events[index].type != binding.EVENT_LIST_TERMINATED:
                if events[index].type == binding.EVENT_MSG_TERMINATED:
                    chunks.put(None)
                index += 1
            return 1 if stop.is_set() else 0

        with self._lock:
            binding.Synchronize()
            self._select(lang, rate)
            binding.SetSynthCallback(on_synth)
            status = binding.Synth(text, flags=binding.CHARS_UTF8 | binding.ENDPAUSE)
            if status != binding.EE_OK:
                raise TtsError(f"espeak-ng refused the text (status {status})")
            try:
                while True:
                    chunk = chunks.get()
                    if chunk is None:
                        break
                    yield chunk
                    if stop.is_set():
                        binding.Cancel()
                        break
            finally:
                if stop.is_set():
                    binding.Cancel()
                binding.Synchronize()
