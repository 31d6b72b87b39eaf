"""Web surfaces: one blueprint per surface (health, JSON API, console, kiosk)."""
