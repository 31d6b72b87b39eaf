"""Which requests and events a staff member or a device may see.

A butler sees their own district, engineering the repair queue, security
emergencies and parking, cleaning, the front desk and the health butler their
own categories; the duty manager and the estate manager see everything.
Anyone also sees what is assigned to them or names them as notified.
"""

from __future__ import annotations

from typing import Any

ROLE_CATEGORIES = {
    "engineering": {"repair_request"},
    "security": {"emergency", "parking"},
    "cleaning": {"cleaning_request"},
    "concierge": {"parcel_service", "visitor_access"},
    "health_butler": {"health_service"},
}
SEE_ALL = {"duty_manager", "estate_manager"}


def staff_can_see(role: str, district: str | None, staff_id: str, request: dict[str, Any]) -> bool:
    """True if this staff member may see the request (a ``request_summary`` dict)."""
    if role in SEE_ALL:
        return True
    assignee = request.get("assignee") or {}
    if assignee.get("staff_id") == staff_id:
        return True
    if any(n.get("staff_id") == staff_id for n in request.get("also_notified") or []):
        return True
    if role == "butler":
        return request.get("district") == district
    return request.get("category") in ROLE_CATEGORIES.get(role, set())


def device_can_see(device_id: str, unit: str | None, event_type: str, data: dict[str, Any]) -> bool:
    """A device sees its own requests, its unit's requests and announcements, and arrivals it caused."""
    if event_type == "announcement":
        return data.get("unit") in (None, unit)
    if data.get("device_id") == device_id:
        return True
    return unit is not None and data.get("unit") == unit and event_type.startswith("request.")


def staff_can_see_owner(role: str, district: str | None, owner_district: str, owner_butler_id: str | None,
                        staff_id: str, visible_request_of_owner: bool = False) -> bool:
    """True if this staff member may open the owner's profile.

    Managers see every owner, a butler the owners of their district (and their
    own owners anywhere); other roles only owners whose requests they can see.
    """
    if role in SEE_ALL or owner_butler_id == staff_id:
        return True
    if role == "butler":
        return owner_district == district
    return visible_request_of_owner


def staff_can_see_arrival(role: str, staff_id: str, data: dict[str, Any]) -> bool:
    """An ``owner.arrived`` event goes to the owner's butler, the front desk and the managers."""
    return role in SEE_ALL or role == "concierge" or data.get("butler_id") == staff_id
