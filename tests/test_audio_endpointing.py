"""Endpointing on synthetic utterances built from real recorded speech and real espeak words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from audio_fixtures import clip_pcm, duration_ms, noise, quiet, resample_to_model
from shared_data import SPEECH

from audio.endpointing import FRAME_BYTES, FRAME_MS, Endpointer, EndpointSettings, EndReason
from audio.tts import Synthesiser

ELDERLY = EndpointSettings.for_profile("elderly")
NORMAL = EndpointSettings.for_profile("normal")


@dataclass
class Segment:
    start_ms: float
    end_ms: float | None = None
    endpoint_ms: float | None = None
    reason: EndReason | None = None


def segments(pcm: bytes, settings: EndpointSettings = NORMAL, expect_short: bool = False,
             hint: bool = False) -> list[Segment]:
    endpointer = Endpointer(settings, expect_short_answer=expect_short)
    found: list[Segment] = []
    offsets = [*range(0, len(pcm), FRAME_BYTES), None]  # None: end of stream
    for offset in offsets:  # one frame at a time, so the hint lands mid-stream
        step = (endpointer.finish() if offset is None
                else endpointer.push(pcm[offset:offset + FRAME_BYTES]))
        if step.started:
            found.append(Segment(step.speech_start_ms))
            if hint:
                endpointer.hint_short_answer(True)
        if step.ended:
            found[-1].end_ms, found[-1].endpoint_ms = step.speech_end_ms, step.endpoint_ms
            found[-1].reason = step.ended
    return found


@pytest.fixture(scope="module")
def first() -> bytes:
    return clip_pcm(SPEECH / "ko" / "sub100121a00063.wav")  # 이번 주말에 방이 있습니까? (1.9 s)


@pytest.fixture(scope="module")
def second() -> bytes:
    return clip_pcm(SPEECH / "ko" / "sub100121a00067.wav")  # 커피 한 잔 드시겠어요? (1.9 s)


@pytest.fixture(scope="module")
def short_words() -> dict[str, bytes]:
    """One-syllable answers spoken by espeak-ng (16 kHz), trimmed to the voice."""
    synthesiser = Synthesiser()
    words = {}
    for text, lang in (("是", "zh"), ("好", "zh"), ("yes", "en")):
        pcm = resample_to_model(b"".join(synthesiser.synthesise(text, lang)), synthesiser.fmt)
        samples = np.frombuffer(pcm, "<i2")
        loud = np.flatnonzero(np.abs(samples) > 100)
        words[text] = pcm[loud[0] * 2:(loud[-1] + 1) * 2]
    return words


def test_each_recorded_clip_is_one_utterance() -> None:
    for path in sorted((SPEECH / "ko").glob("*.wav")):
        found = segments(quiet(0.5) + clip_pcm(path) + quiet(1.5))
        assert len(found) == 1, path.name
        assert 450 <= found[0].start_ms <= 750, (path.name, found[0].start_ms)


def test_mid_sentence_pause_of_1_2_s_stays_one_utterance_for_elderly_owners(
        first: bytes, second: bytes) -> None:
    pcm = quiet(0.5) + first + quiet(1.2) + second + quiet(2.0)
    elderly = segments(pcm, ELDERLY)
    assert len(elderly) == 1
    assert elderly[0].end_ms >= 500 + duration_ms(first) + 1200 + duration_ms(second) - 300
    assert elderly[0].reason is EndReason.SILENCE
    # the same audio under the default profile is cut at the pause: the setting matters
    assert len(segments(pcm, NORMAL)) == 2


def test_utterances_three_seconds_apart_are_two_even_for_elderly_owners(
        first: bytes, second: bytes) -> None:
    pcm = quiet(0.5) + first + quiet(3.0) + second + quiet(2.0)
    found = segments(pcm, ELDERLY)
    assert len(found) == 2
    second_start = 500 + duration_ms(first) + 3000
    assert found[0].endpoint_ms < second_start < found[1].start_ms + 300


@pytest.mark.parametrize("settings", [NORMAL, ELDERLY], ids=["normal", "elderly"])
@pytest.mark.parametrize("word", ["是", "好", "yes"])
def test_a_short_word_finishes_within_the_short_trailing_silence(
        short_words: dict[str, bytes], word: str, settings: EndpointSettings) -> None:
    audio = short_words[word]
    word_end_ms = 600 + duration_ms(audio)
    pcm = quiet(0.6) + audio + quiet(2.5)
    fast = segments(pcm, settings, expect_short=True)
    assert len(fast) == 1 and fast[0].reason is EndReason.SHORT_WORD
    waited = fast[0].endpoint_ms - word_end_ms
    # frame granularity: the word's last (partial) frame, and rounding up to whole frames
    assert waited <= settings.short_word_trailing_silence_ms + 2 * FRAME_MS
    assert waited < settings.trailing_silence_ms
    # the recogniser's hint ("this partial is a complete answer") does the same
    assert segments(pcm, settings, hint=True)[0].reason is EndReason.SHORT_WORD
    # without either, a short burst waits the full trailing silence (it may be "我…")
    slow = segments(pcm, settings)
    assert slow[0].reason is EndReason.SILENCE
    assert slow[0].endpoint_ms - word_end_ms >= settings.trailing_silence_ms - FRAME_MS


def test_a_long_utterance_is_not_a_short_word(first: bytes) -> None:
    found = segments(quiet(0.5) + first + quiet(2.0), NORMAL, expect_short=True)
    assert [s.reason for s in found] == [EndReason.SILENCE]


def test_maximum_utterance_length(first: bytes, second: bytes) -> None:
    settings = EndpointSettings(max_utterance_s=3.0)
    talk = first + quiet(0.3) + second + quiet(0.3) + first
    found = segments(quiet(0.5) + talk + quiet(2.0), settings)
    assert found[0].reason is EndReason.MAX_LENGTH
    assert found[0].endpoint_ms - found[0].start_ms <= 3000 + FRAME_MS
    # the rest of the speech is heard, not dropped: the next utterance starts right away
    assert found[1].start_ms - found[0].endpoint_ms <= 300
    assert found[-1].end_ms >= 500 + duration_ms(talk) - 300


@pytest.mark.parametrize("kind", ["white", "pink", "brown"])
@pytest.mark.parametrize("dbfs", [-40, -25, -12])
def test_noise_and_silence_never_start_an_utterance(kind: str, dbfs: int) -> None:
    assert segments(noise(kind, 3.0, dbfs)) == []
    assert segments(bytes(3 * 32000)) == []


def test_leading_noise_is_ignored(first: bytes) -> None:
    found = segments(noise("white", 1.0, -35) + first + quiet(1.5))
    assert len(found) == 1
    assert found[0].start_ms >= 1000 - 60  # not at the noise; at most a frame or two early


def test_end_of_stream_closes_an_open_utterance(first: bytes) -> None:
    found = segments(quiet(0.3) + first)
    assert found[0].reason is EndReason.END_OF_STREAM


def test_profile_changes_between_utterances_of_one_stream(first: bytes, second: bytes) -> None:
    """A kiosk recognises an elderly owner: the next utterance gets the elderly profile."""
    paused = first + quiet(1.2) + second
    pcm = quiet(0.5) + paused + quiet(3.0) + paused + quiet(2.0)
    endpointer = Endpointer(NORMAL)
    ends = []
    for offset in range(0, len(pcm), FRAME_BYTES):
        step = endpointer.push(pcm[offset:offset + FRAME_BYTES])
        if step.started and endpointer.settings is NORMAL and ends:
            with pytest.raises(RuntimeError, match="between utterances"):
                endpointer.reconfigure(ELDERLY)
        if step.ended:
            ends.append(step.endpoint_ms)
            if len(ends) == 2:  # the owner is recognised after the first sentence
                endpointer.reconfigure(ELDERLY)
    assert len(ends) == 3  # normal: cut at the pause (2); elderly: one utterance


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="trailing_silence_ms"):
        EndpointSettings(trailing_silence_ms=100)
    with pytest.raises(ValueError, match="short_word_trailing_silence_ms"):
        EndpointSettings(trailing_silence_ms=500, short_word_trailing_silence_ms=600)
    with pytest.raises(ValueError, match="unknown endpoint profile"):
        EndpointSettings.for_profile("toddler")
    assert EndpointSettings.for_profile("elderly", trailing_silence_ms=2000).trailing_silence_ms \
        == 2000
