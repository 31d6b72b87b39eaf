"""``guanjia faces enroll|forget|status|eval``: face data from the command line.

Enrol and forget open the hub's database directly (like ``guanjia devices``),
so they work while the hub runs; ``eval`` needs no database at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from assistant.config import Settings
from assistant.errors import GuanjiaError


@click.group("faces")
def faces_group() -> None:
    """Face greeting: enrol owners (with consent), erase their data, evaluate the matcher."""


@faces_group.command("enroll")
@click.argument("owner_id")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--consent", "consent_by", required=True,
              help="Who recorded the owner's consent (name of the staff member, and how).")
@click.option("--keep-photo", is_flag=True, help="The owner allows keeping the photos (default: embeddings only).")
def faces_enroll(owner_id: str, images: tuple[Path, ...], consent_by: str, keep_photo: bool) -> None:
    """Enrol OWNER_ID's face from IMAGES (each must show the owner alone, sharp and large enough)."""
    from assistant.cli_admin import open_store
    from assistant.clock import SystemClock
    from assistant.db import session_scope
    from assistant.faces import Photo, enroll_owner

    settings = Settings.from_env()
    sessions, _ = open_store(settings)
    photos = [Photo(path.name, path.read_bytes()) for path in images]
    try:
        with session_scope(sessions) as db:
            result = enroll_owner(db, owner_id, photos, consent_by, "cli", SystemClock().now_utc(),
                                  settings.var_dir, keep_photo=keep_photo)
    except GuanjiaError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"已登记 {result.embeddings} 张照片的人脸特征 / enrolled {result.embeddings} embedding(s) for "
               f"{result.owner_id}; photos kept: {result.photos_kept}; consent #{result.consent_id} "
               f"recorded by {consent_by!r}")


@faces_group.command("forget")
@click.argument("owner_id")
def faces_forget(owner_id: str) -> None:
    """Erase all of OWNER_ID's face data: embeddings, photos, identification history; consent withdrawn."""
    from assistant.cli_admin import open_store
    from assistant.clock import SystemClock
    from assistant.db import session_scope
    from assistant.faces import forget_owner

    settings = Settings.from_env()
    sessions, _ = open_store(settings)
    try:
        with session_scope(sessions) as db:
            erasure = forget_owner(db, owner_id, "cli", SystemClock().now_utc(), settings.var_dir)
    except GuanjiaError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"已删除 {owner_id} 的全部人脸数据 / erased {owner_id}'s face data: {erasure.embeddings} "
               f"embedding(s), {erasure.photos} photo(s), {erasure.identifications} identification record(s); "
               "consent marked withdrawn")


@faces_group.command("status")
@click.argument("owner_id")
def faces_status(owner_id: str) -> None:
    """Consent state and enrolled embeddings of OWNER_ID."""
    from assistant.cli_admin import open_store
    from assistant.db import session_scope
    from assistant.faces import face_status

    sessions, _ = open_store(Settings.from_env())
    with session_scope(sessions) as db:
        status = face_status(db, owner_id)
        consent = status.consent
        state = ("none" if consent is None else
                 f"withdrawn {consent.withdrawn_at:%Y-%m-%d %H:%M} UTC" if consent.withdrawn_at else
                 f"given {consent.given_at:%Y-%m-%d %H:%M} UTC, recorded by {consent.recorded_by!r}")
    click.echo(f"{owner_id}: consent {state}; {status.embeddings} embedding(s), {status.photos} photo(s)")


@faces_group.command("eval")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--threshold", type=float, default=None, help="Distance threshold [default: vision.matching].")
@click.option("--margin", type=float, default=None, help="Margin over the second-best owner.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a report.")
def faces_eval(folder: Path, threshold: float | None, margin: float | None, as_json: bool) -> None:
    """Enrol FOLDER/gallery, identify FOLDER/probes, check FOLDER/strangers stay unknown."""
    from vision.evaluation import embed_folder, evaluate
    from vision.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD

    data = embed_folder(folder)
    if not data.gallery:
        raise click.ClickException(f"no usable photos in {folder / 'gallery'}")
    summary = evaluate(data, threshold if threshold is not None else DEFAULT_THRESHOLD,
                       margin if margin is not None else DEFAULT_MARGIN)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    click.echo(f"enrolled {summary['enrolled']} people; {summary['probes']} probes, {summary['strangers']} strangers")
    click.echo(f"threshold {summary['threshold']}, margin {summary['margin']}: top-1 {summary['top1']:.1%}, "
               f"probes unknown {summary['probe_unknown']}, wrong {summary['probe_wrong']}, "
               f"false accepts {summary['false_accepts']}/{summary['strangers']}")
    click.echo(f"same-person distance max {summary['same_person_distance_max']} "
               f"(p95 {summary['same_person_distance_p95']}); nearest stranger {summary['stranger_distance_min']}")
    click.echo(f"detect p50 {summary['detect_ms_p50']} ms; embed p50 {summary['embed_ms_p50']} ms "
               f"(max {summary['embed_ms_max']} ms)")
    leave = summary["leave_out"]
    click.echo(f"leave people out ({leave['gallery_size']} enrolled, {leave['rounds']} rounds): false-accept rate "
               f"{leave['false_accept_rate']:.1%} of {leave['impostor_lookups']} impostor lookups, "
               f"top-1 {leave['top1']:.1%}")
    for path, code in summary["gallery_rejected"]:
        click.echo(f"gallery photo refused: {path} ({code})")
    click.echo("threshold  top-1   unknown  wrong  false-accepts")
    for row in summary["sweep"]:
        click.echo(f"{row['threshold']:9.3f}  {row['top1']:6.1%}  {row['probe_unknown']:7d}  {row['probe_wrong']:5d}  "
                   f"{row['false_accepts']:13d}")


@faces_group.command("watch")
@click.argument("source")
@click.option("--hub", "hub_url", default="http://127.0.0.1:8080", show_default=True, help="The hub's base URL.")
@click.option("--device", "device_id", required=True, help="This kiosk's device id.")
@click.option("--token", required=True, envvar="GUANJIA_DEVICE_TOKEN", help="This kiosk's device token.")
@click.option("--every", type=int, default=1, show_default=True, help="Process every N-th frame.")
def faces_watch(source: str, hub_url: str, device_id: str, token: str, every: int) -> None:
    """Run the camera greeter on SOURCE (camera index, RTSP/HTTP URL, video or image); print greetings."""
    from kiosk.greeter import Greeter
    from kiosk.hub_client import HubClient
    from vision.errors import VisionError
    from vision.frames import open_frames

    greeter = Greeter(HubClient(hub_url, device_id, token), lambda text, lang: click.echo(text))
    try:
        for greeting in greeter.run(open_frames(source, every=max(1, every))):
            click.echo(f"  ({greeting.owner_id}, frame {greeting.frame_index}, "
                       f"{greeting.wall_ms_since_first_seen:.0f} ms after first seen)", err=True)
    except VisionError as err:
        raise click.ClickException(err.message) from err
