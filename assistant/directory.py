"""Keep the database's owners and staff in step with the estate file.

The file is the source of names, units, roles and districts; preferences edited
in the console live in the database and are not overwritten by a restart.
Nobody is deleted: people who left the file are marked inactive.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from assistant.estate import EstateConfig
from assistant.models import Owner, Staff


def sync_directory(db: Session, estate: EstateConfig) -> None:
    """Insert or update every owner and staff member of ``estate``."""
    listed = set()
    for person in estate.staff:
        listed.add(person.id)
        row = db.get(Staff, person.id) or Staff(id=person.id)
        row.name, row.name_en, row.role = person.name, person.name_en, person.role
        row.district, row.gender, row.phone, row.active = person.district, person.gender, person.phone, True
        if person.password and not row.password_hash:
            row.password_hash = generate_password_hash(person.password)
        db.add(row)
    for row in db.scalars(select(Staff)):
        if row.id not in listed and row.role != "external" and row.origin != "cli":
            row.active = False
    for person in estate.owners:
        row = db.get(Owner, person.id)
        district = estate.district_of_unit(person.unit)
        if row is None:
            row = Owner(id=person.id, preferences=dict(person.preferences))
        row.name, row.name_en, row.honorific, row.unit = person.name, person.name_en, person.honorific, person.unit
        row.district = district.id if district else ""
        row.lang, row.birthday, row.elderly = person.lang, person.birthday, person.elderly
        row.butler_id = person.butler or (district.butlers[0] if district else None)
        row.vehicles = list(person.vehicles)
        row.family = [f.dict() for f in person.family]
        db.add(row)
    db.flush()
