"""Guanjia hub: estate, requests, routing, escalation, dialogue and web surfaces.

Kept light on purpose: devices import ``assistant.protocol`` without pulling in
Flask, SQLAlchemy or Rasa.
"""

__version__ = "0.1.0"
