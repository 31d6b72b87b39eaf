"""Administration commands: ``guanjia estate check``, ``guanjia devices …``, ``guanjia staff …``.

They open the hub's database directly (no NLU model needed), so they work while
the hub is running and on a machine where it has never run.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.clock import SystemClock
from assistant.config import Settings
from assistant.errors import GuanjiaError


def open_store(settings: Settings):
    """(sessionmaker, estate) with the schema migrated and the directory synced."""
    from assistant.db import make_engine, migrate, session_scope
    from assistant.directory import sync_directory
    from assistant.services import load_estate_for

    estate = load_estate_for(settings)
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    with session_scope(sessions) as db:
        sync_directory(db, estate)
    return sessions, estate


def _fail(err: GuanjiaError) -> click.ClickException:
    return click.ClickException(err.message)


@click.group("estate")
def estate_group() -> None:
    """Check an estate configuration file."""


@estate_group.command("check")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def estate_check(path: Path) -> None:
    """Validate FILE and summarise it; exit 1 with every problem listed if invalid."""
    from assistant.estate import load_estate

    try:
        estate = load_estate(path)
    except GuanjiaError as err:
        raise _fail(err) from err
    roles = sorted({s.role for s in estate.staff})
    click.echo(f"{path}: OK — {estate.name}: {len(estate.districts)} districts, {len(estate.owners)} owners "
               f"({sum(o.elderly for o in estate.owners)} elderly, "
               f"{sum(o.lang == 'en' for o in estate.owners)} English-speaking), {len(estate.staff)} staff "
               f"({', '.join(roles)}), {len(estate.faq)} FAQ entries")


@click.group("devices")
def devices_group() -> None:
    """Register kiosks and panels."""


@devices_group.command("add")
@click.argument("device_id")
@click.option("--kind", type=click.Choice(["kiosk", "panel"]), required=True)
@click.option("--unit", help="The flat a panel hangs in (e.g. 3-1201).")
@click.option("--replace", is_flag=True, help="Issue a new token for an existing device.")
def devices_add(device_id: str, kind: str, unit: str | None, replace: bool) -> None:
    """Register DEVICE_ID and print its token (shown only once)."""
    from assistant.db import session_scope
    from assistant.devices import register_device

    sessions, estate = open_store(Settings.from_env())
    try:
        with session_scope(sessions) as db:
            token = register_device(db, estate, SystemClock(), device_id, kind, unit, replace=replace)
    except GuanjiaError as err:
        raise _fail(err) from err
    click.echo(token)


@devices_group.command("list")
def devices_list() -> None:
    """List registered devices."""
    from assistant.models import Device

    sessions, _ = open_store(Settings.from_env())
    with sessions() as db:
        for device in db.scalars(select(Device).order_by(Device.id)):
            seen = device.last_seen_at.isoformat(timespec="seconds") if device.last_seen_at else "never"
            click.echo(f"{device.id:<20} {device.kind:<6} {device.unit or '-':<8} last seen {seen}")


@click.group("staff")
def staff_group() -> None:
    """Staff accounts and API tokens."""


def _find_staff(db: Session, who: str):
    from assistant.models import Staff

    staff = db.get(Staff, who)
    if staff is None:
        matches = db.scalars(select(Staff).where((Staff.name == who) | (Staff.name_en == who))).all()
        if len(matches) > 1:
            raise click.ClickException(f"{who!r} matches several staff; use the id")
        staff = matches[0] if matches else None
    if staff is None:
        raise click.ClickException(f"no staff member {who!r} (id or name)")
    return staff


@staff_group.command("token")
@click.argument("who")
@click.option("--label", default="", help="What the token is for.")
def staff_token(who: str, label: str) -> None:
    """Issue an API token for staff member WHO (id or name) and print it."""
    from assistant.auth import hash_token, new_token
    from assistant.db import session_scope
    from assistant.models import StaffToken

    sessions, _ = open_store(Settings.from_env())
    token = new_token()
    with session_scope(sessions) as db:
        staff = _find_staff(db, who)
        db.add(StaffToken(token_hash=hash_token(token), staff_id=staff.id, created_at=SystemClock().now_utc(),
                          label=label))
    click.echo(token)


@staff_group.command("add")
@click.argument("staff_id")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["butler", "engineering", "security", "cleaning", "concierge",
                                           "health_butler", "duty_manager", "estate_manager"]), required=True)
@click.option("--district", default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def staff_add(staff_id: str, name: str, role: str, district: str | None, password: str) -> None:
    """Create a console account (or set a new password for an existing one)."""
    from werkzeug.security import generate_password_hash

    from assistant.db import session_scope
    from assistant.models import Staff

    if len(password) < 8 and password != "demo":
        raise click.ClickException("password must have at least 8 characters")
    sessions, _ = open_store(Settings.from_env())
    with session_scope(sessions) as db:
        staff = db.get(Staff, staff_id) or Staff(id=staff_id, name=name, role=role, district=district,
                                                 origin="cli")  # kept when the hub re-reads the estate file
        staff.password_hash = generate_password_hash(password)
        staff.active = True
        db.add(staff)
    click.echo(f"{staff_id}: account ready")
