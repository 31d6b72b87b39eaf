"""``guanjia models pull``: download an official model zip, resumably, then install it.

Big models are 1–2 GB over an estate's uplink, so an interrupted download keeps
its bytes in ``models/vosk/.downloads/<name>.zip.part`` and the next ``pull``
asks the server for the rest (HTTP ``Range``); a server that ignores ranges gets
a fresh download. The zip is checked (``testzip``, no entry escaping the folder,
optional SHA-256), unpacked beside the models, its layout verified, and only
then renamed into ``models/vosk/<name>`` — a failed pull never leaves a
half-installed model.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from audio.errors import ModelDownloadError, ModelInvalid
from audio.models import (
    CATALOGUE,
    DOWNLOADS,
    InstalledModel,
    catalogue_entry,
    extract_zip,
    guess_lang,
    install_tree,
    write_metadata,
)
from audio.settings import AudioSettings

__all__ = ["pull_model", "Progress"]

_LOGGER = logging.getLogger(__name__)

Progress = Callable[[int, "int | None"], None]
"""Called with (bytes so far, total bytes or None) as the download advances."""

_CHUNK_BYTES = 1 << 16
_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")


def pull_model(settings: AudioSettings, name: str, *, url: str | None = None,
               progress: Progress | None = None, force: bool = False,
               sha256: str | None = None, timeout_s: float = 30.0) -> InstalledModel:
    """Download, verify and install model ``name`` (short or full catalogue name).

    :raise ModelInvalid: unknown name without ``url``, or the archive is not a model.
    :raise ModelDownloadError: network or HTTP failure, short download, checksum mismatch;
        the partial file is kept so the same command resumes.
    """
    entry = catalogue_entry(name)
    if entry is None and url is None:
        known = ", ".join(e.short for e in CATALOGUE)
        raise ModelInvalid(f"unknown model {name!r}; known: {known} (or give --url)",
                           code="model-unknown")
    full = entry.name if entry else re.sub(r"\.zip$", "", name)
    url = url or entry.url(settings.base_url)  # type: ignore[union-attr]
    target = settings.vosk_dir / full
    lang = entry.lang if entry else guess_lang(full)
    if target.exists() and not force:
        _LOGGER.info("%s is already installed at %s", full, target)
        return InstalledModel(full, target, lang, "models-dir")
    part = settings.vosk_dir / DOWNLOADS / f"{full}.zip.part"
    part.parent.mkdir(parents=True, exist_ok=True)
    _download(url, part, progress, timeout_s)
    digest = _sha256(part)
    if sha256 and digest != sha256.lower():
        part.unlink()
        raise ModelDownloadError(f"{url}: SHA-256 is {digest}, expected {sha256}; the download "
                                 "was discarded")
    workdir = Path(tempfile.mkdtemp(prefix=f".unzip-{full}-", dir=settings.vosk_dir))
    try:
        root = extract_zip(part, workdir)
        installed = install_tree(settings, root, full, move=True, force=force)
    except ModelInvalid:
        part.unlink()  # a complete download that is not a model: do not resume it
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    write_metadata(settings, full, lang, url, digest)
    part.unlink()
    _LOGGER.info("installed %s at %s", full, installed)
    return InstalledModel(full, installed, lang, "models-dir")


def _download(url: str, part: Path, progress: Progress | None, timeout_s: float) -> None:
    import requests

    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with requests.get(url, headers=headers, stream=True, timeout=timeout_s) as response:
            total = _expected_total(response, have)
            if total is None and response.status_code == 416:
                return  # the part file already holds the whole archive
            if response.status_code == 200:
                have = 0
            elif response.status_code != 206:
                raise ModelDownloadError(f"GET {url}: HTTP {response.status_code}")
            if have:
                _LOGGER.info("resuming %s at %d bytes", url, have)
            with part.open("ab" if have else "wb") as out:
                for block in response.iter_content(_CHUNK_BYTES):
                    out.write(block)
                    have += len(block)
                    if progress:
                        progress(have, total)
    except requests.RequestException as err:
        raise ModelDownloadError(f"download of {url} failed at {have} bytes ({err}); run the "
                                 "same command again to resume") from err
    if total is not None and have != total:
        raise ModelDownloadError(f"download of {url} stopped at {have} of {total} bytes; run the "
                                 "same command again to resume")


def _expected_total(response: object, have: int) -> int | None:
    """Total archive size from the response headers (None when unknown or already complete)."""
    status = response.status_code  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    if status == 206:
        match = _CONTENT_RANGE.match(headers.get("Content-Range", ""))
        if not match or int(match.group(1)) != have:
            raise ModelDownloadError(f"server answered a range request with "
                                     f"{headers.get('Content-Range')!r}")
        return None if match.group(2) == "*" else int(match.group(2))
    if status == 416:
        size = headers.get("Content-Range", "").rpartition("/")[2]
        if size.isdigit() and int(size) == have:
            return None
        raise ModelDownloadError("server refused to resume the download; delete "
                                 "models/vosk/.downloads and pull again")
    length = headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
