"""Dialogue: per-device conversations that turn utterances into replies and requests."""
