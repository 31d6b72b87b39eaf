"""``guanjia listen``, ``guanjia say``, ``guanjia models list|pull|add``.

Every ``guanjia`` invocation imports this module, so it imports nothing but click
at module level: Vosk, numpy, sounddevice and pyttsx3 load inside the commands.
Speech errors become one ``Error: <message>`` line and exit status 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

_LANGS = ("zh", "en", "ko")


def register(group: click.Group) -> None:
    """Add the speech commands to the ``guanjia`` group."""
    group.add_command(listen_command)
    group.add_command(say_command)
    group.add_command(models_group)


def _fail(err: Exception) -> click.ClickException:
    return click.ClickException(getattr(err, "message", str(err)))


def _echo_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False))


# --- listen ----------------------------------------------------------------

@click.command("listen")
@click.option("--wav", "wav_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Listen to a WAV file (any rate, width, channels).")
@click.option("--mic", is_flag=True, help="Listen to the microphone until Ctrl-C.")
@click.option("--device", help="Microphone name (substring) or index; default: the system's.")
@click.option("--raw", "raw_file", type=click.File("rb"),
              help="Headerless PCM from a file or '-' (stdin); see --rate/--width/--channels.")
@click.option("--rate", "rate_hz", type=int, default=16000, show_default=True,
              help="Sample rate of --raw input, Hz.")
@click.option("--width", "width_bytes", type=int, default=2, show_default=True,
              help="Bytes per sample of --raw input.")
@click.option("--channels", type=int, default=1, show_default=True,
              help="Channels of --raw input.")
@click.option("--lang", type=click.Choice(_LANGS), help="Language [default: GUANJIA_SPEECH_LANG "
              "or zh]; picks the configured model.")
@click.option("--model", "model_ref", help="A model name (see `guanjia models list`) or path.")
@click.option("--grammar", help="Restrict recognition to a dialogue state's phrases (yes_no, "
              "repeat_cancel).")
@click.option("--profile", type=click.Choice(["normal", "elderly"]), default="normal",
              show_default=True, help="Endpointing profile (elderly waits longer for pauses).")
@click.option("--trailing-silence-ms", type=int, help="Override the profile's trailing silence.")
@click.option("--show-rejected", is_flag=True, help="Also print results the check rejected.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def listen_command(wav_path: Path | None, mic: bool, device: str | None, raw_file: Any,
                   rate_hz: int, width_bytes: int, channels: int, lang: str | None,
                   model_ref: str | None, grammar: str | None, profile: str,
                   trailing_silence_ms: int | None, show_rejected: bool, as_json: bool) -> None:
    """Recognise speech: partials while speaking, then final text with timings."""
    from audio.errors import AudioError

    if sum(bool(x) for x in (wav_path, mic, raw_file)) != 1:
        raise click.UsageError("give exactly one of --wav FILE, --mic or --raw FILE")
    source = None
    try:
        source = _open_source(wav_path, mic, device, raw_file, rate_hz, width_bytes, channels)
        pipeline = _prepare_pipeline(lang, model_ref, grammar, profile, trailing_silence_ms,
                                     show_rejected)
        for warning in pipeline.warnings:
            if as_json:
                _echo_json({"type": "warning", "message": warning})
            else:
                click.echo(f"warning: {warning}", err=True)
        heard = _run(pipeline, source, as_json)
    except AudioError as err:
        raise _fail(err) from err
    except KeyboardInterrupt:
        if source is not None:
            source.close()
        return
    if not heard and not as_json:
        click.echo("(no speech heard)", err=True)


def _open_source(wav_path: Path | None, mic: bool, device: str | None, raw_file: Any,
                 rate_hz: int, width_bytes: int, channels: int) -> Any:
    from audio.formats import AudioFormat
    from audio.sources import MicrophoneSource, RawPcmSource, WavFileSource

    if wav_path is not None:
        return WavFileSource(wav_path)
    if mic:
        return MicrophoneSource(device)
    fmt = AudioFormat(rate_hz, width_bytes, channels)
    return RawPcmSource(raw_file, fmt, name=getattr(raw_file, "name", "raw stream"))


def _prepare_pipeline(lang: str | None, model_ref: str | None, grammar: str | None,
                      profile: str, trailing_silence_ms: int | None, show_rejected: bool) -> Any:
    from audio.endpointing import EndpointSettings
    from audio.models import load_model
    from audio.pipeline import ListenPipeline
    from audio.settings import AudioSettings

    settings = AudioSettings.from_env()
    model = load_model(settings, lang, model_ref)
    overrides = {"trailing_silence_ms": trailing_silence_ms} if trailing_silence_ms else {}
    try:
        endpoint = EndpointSettings.for_profile(profile, **overrides)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err
    return ListenPipeline(model, model.lang or settings.lang, endpoint=endpoint, grammar=grammar,
                          include_rejected=show_rejected)


def _run(pipeline: Any, source: Any, as_json: bool) -> int:
    from audio.pipeline import Partial

    heard = 0
    for event in pipeline.run(source):
        if as_json:
            _echo_json(event.to_dict())
            heard += not isinstance(event, Partial)
            continue
        if isinstance(event, Partial):
            click.echo(f"… {event.audio_ms / 1000:6.2f} s  {event.text}", err=True)
            continue
        heard += 1
        transcript = event.transcript
        mark = "" if transcript.accepted else f"  [rejected: {transcript.verdict.reason}]"
        click.echo(f"{transcript.text}{mark}")
        click.echo(f"   speech {event.speech_start_ms / 1000:.2f}–{event.speech_end_ms / 1000:.2f}"
                   f" s, endpoint {event.endpoint_ms / 1000:.2f} s ({event.end_reason.value}), "
                   f"final text {event.endpoint_to_final_ms:.0f} ms after the endpoint, "
                   f"confidence {transcript.confidence:.2f}", err=True)
    return heard


# --- say -------------------------------------------------------------------

@click.command("say")
@click.argument("text")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Voice [default: from the text].")
@click.option("--rate", default="normal", show_default=True,
              help="slow (elderly owners), normal, fast, or words per minute.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a WAV file instead of playing.")
@click.option("--device", help="Speaker name (substring) or index; default: the system's.")
def say_command(text: str, lang: str | None, rate: str, out: Path | None,
                device: str | None) -> None:
    """Speak TEXT with pyttsx3 on espeak-ng 1.52 (Mandarin or English)."""
    from audio.errors import AudioError
    from audio.playback import SpeakerSink, WavSink, speak
    from audio.tts import Synthesiser, rate_wpm
    from nlu.normalise import detect_language

    lang = lang or detect_language(text)
    try:
        rate_wpm(rate)
        sink = WavSink(out) if out else SpeakerSink(device)
        result = speak(Synthesiser(), text, sink, lang=lang, rate=rate)
    except AudioError as err:
        raise _fail(err) from err
    where = str(out) if out else "the speaker"
    click.echo(f"{where}: {result.played_ms / 1000:.2f} s of {lang} speech, first audio after "
               f"{result.first_audio_ms or 0:.0f} ms", err=True)


# --- models ----------------------------------------------------------------

@click.group("models")
def models_group() -> None:
    """Speech models: the official Vosk catalogue, what is installed, defaults."""


@models_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def models_list(as_json: bool) -> None:
    """Known official models (with size) and installed ones; * marks a language's default."""
    from audio.errors import AudioError
    from audio.models import CATALOGUE, installed_models, resolve_model
    from audio.settings import LANGUAGES, AudioSettings

    settings = AudioSettings.from_env()
    installed = installed_models(settings)
    by_name = {m.name: m for m in installed}
    defaults = {lang: settings.model_for(lang) for lang in LANGUAGES}
    resolved: dict[str, str | None] = {}
    for lang in LANGUAGES:
        try:
            resolved[lang] = resolve_model(settings, lang).name
        except (AudioError, ValueError):  # missing or invalid: listed as not installed
            resolved[lang] = None
    if as_json:
        _echo_json({
            "models_dir": str(settings.vosk_dir),
            "catalogue": [{"short": e.short, "name": e.name, "lang": e.lang, "size_mb": e.size_mb,
                           "url": e.url(settings.base_url), "installed": e.name in by_name}
                          for e in CATALOGUE],
            "installed": [m.to_dict() for m in installed],
            "defaults": {lang: {"model": defaults[lang], "installed": resolved[lang] is not None}
                         for lang in LANGUAGES}})
        return
    click.echo(f"Official Vosk models (pull into {settings.vosk_dir}):")
    for e in CATALOGUE:
        state = "installed" if e.name in by_name else "-"
        star = "*" if defaults.get(e.lang) in (e.name, e.short) else " "
        click.echo(f" {star} {e.short:<12} {e.name:<30} {e.lang}  ~{e.size_mb:>5} MB  {state:<9}"
                   f"  {e.notes}")
    click.echo("Installed:")
    for m in installed or []:
        star = "*" if m.lang and resolved.get(m.lang) == m.name else " "
        click.echo(f" {star} {m.name:<30} {m.lang or '?':<3} {m.source:<28} {m.path}")
    if not installed:
        click.echo("   (none)")
    for lang in LANGUAGES:
        if resolved[lang] is None:
            click.echo(f"default for {lang}: {defaults[lang]} — not installed", err=True)


@models_group.command("pull")
@click.argument("name")
@click.option("--url", help="Download from this URL instead of the catalogue's (a mirror).")
@click.option("--sha256", help="Expected SHA-256 of the zip.")
@click.option("--force", is_flag=True, help="Replace an installed model of the same name.")
def models_pull(name: str, url: str | None, sha256: str | None, force: bool) -> None:
    """Download NAME (small-cn, cn, small-en-us, en-us) with progress and resume, then install."""
    from audio.download import pull_model
    from audio.errors import AudioError
    from audio.settings import AudioSettings

    bar = _ProgressBar()
    try:
        installed = pull_model(AudioSettings.from_env(), name, url=url, progress=bar,
                               force=force, sha256=sha256)
    except AudioError as err:
        raise _fail(err) from err
    finally:
        bar.close()
    click.echo(f"installed {installed.name} ({installed.lang}) at {installed.path}")


class _ProgressBar:
    """tqdm on stderr, opened at the first progress report (when the size is known)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._last = 0

    def __call__(self, done: int, total: int | None) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=0, unit="B", unit_scale=True,
                             unit_divisor=1024, file=sys.stderr, desc="download")
        self._bar.update(done - self._last)
        self._last = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@models_group.command("add")
@click.argument("source", type=click.Path(path_type=Path, exists=True))
@click.option("--name", help="Install under this name [default: the folder or zip name].")
@click.option("--lang", type=click.Choice(_LANGS), help="Its language [default: from the name].")
@click.option("--link", is_flag=True, help="Symlink a directory instead of copying it.")
@click.option("--force", is_flag=True, help="Replace an installed model of the same name.")
def models_add(source: Path, name: str | None, lang: str | None, link: bool, force: bool) -> None:
    """Install a model from a directory or a zip (verified before it is installed)."""
    from audio.errors import AudioError
    from audio.models import add_model
    from audio.settings import AudioSettings

    try:
        installed = add_model(AudioSettings.from_env(), source, name=name, lang=lang, link=link,
                              force=force)
    except AudioError as err:
        raise _fail(err) from err
    click.echo(f"installed {installed.name} ({installed.lang or '?'}) at {installed.path}")
