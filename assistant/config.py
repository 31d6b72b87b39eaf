"""Hub settings: one frozen object, built once from the environment or given by tests.

Nothing else in the code reads ``os.environ``; units are in the field names.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

_ENV_PREFIX = "GUANJIA_"


@dataclass(frozen=True)
class Settings:
    """Everything the hub needs to start. Paths are absolute after ``resolved()``."""

    models_dir: Path = PROJECT_DIR / "models"
    """Trained and downloaded models; ``models/nlu`` holds Rasa archives."""
    var_dir: Path = PROJECT_DIR / "var"
    """Run-time state: the SQLite database, reports, the secret key."""
    nlu_model: Path | None = None
    """A specific Rasa archive; default: the current model in ``models/nlu``."""
    rasa_url: str | None = None
    """Use a Rasa server (``rasa run --enable-api``) instead of an in-process model."""
    database_url: str | None = None
    """SQLAlchemy URL; default: SQLite file ``var/guanjia.db`` in WAL mode."""
    estate_file: Path | None = None
    """Estate configuration (YAML); ``--demo`` uses the bundled demo estate."""
    demo: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    server_threads: int = 128
    """Worker threads; every open event stream (console, kiosk, panel) holds one."""
    timezone: str = "Asia/Shanghai"
    max_text_chars: int = 500
    secret_key: str | None = None
    testing: bool = False
    run_workers: bool = True
    """Start background workers (escalation); tests drive them by hand instead."""
    escalation_poll_s: float = 0.25
    """How often overdue acknowledgements are looked for (escalation ≤ this late)."""
    session_timeout_s: float = 120.0
    """A device conversation idle this long starts afresh."""
    face_threshold: float = 0.50
    """Largest face-embedding distance accepted as an owner (``vision.matching``; see README "Faces")."""
    face_margin: float = 0.02
    """How much nearer the best owner must be than the second best."""
    face_greeting_cooldown_s: float = 600.0
    """The hub greets an owner at most once per device in this window."""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} out of range")
        if self.server_threads < 4:
            raise ValueError("server_threads must be at least 4")
        if not 0.01 <= self.escalation_poll_s <= 60:
            raise ValueError("escalation_poll_s must be between 0.01 and 60 seconds")
        if not 0.0 < self.face_threshold < 2.0 or not 0.0 <= self.face_margin < 1.0:
            raise ValueError("face_threshold must be in (0, 2) and face_margin in [0, 1)")

    @property
    def nlu_models_dir(self) -> Path:
        return self.models_dir / "nlu"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'guanjia.db'}"

    def with_secret(self) -> Settings:
        """Settings with a secret key: configured, or kept in ``var/secret_key`` across restarts."""
        if self.secret_key:
            return self
        path = self.var_dir / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return replace(self, secret_key=path.read_text().strip())

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Read ``GUANJIA_<FIELD>`` variables, then apply ``overrides`` (CLI flags)."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(_ENV_PREFIX + f.name.upper())
            if raw is None or f.name == "extra":
                continue
            values[f.name] = _convert(f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _convert(type_name: object, raw: str) -> object:
    text = str(type_name)
    if "Path" in text:
        return Path(raw).expanduser().resolve()
    if text == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if text == "int":
        return int(raw)
    if text == "float":
        return float(raw)
    return raw
