"""Serve the hub with gunicorn: one process (one model in memory), many threads.

Event streams (SSE) hold a thread each while open, so the thread pool is
sized for consoles, kiosks and panels together (``--threads``). One worker
process keeps a single copy of the 1 GB NLU model; gunicorn's master restarts
it if it dies, and all state lives in the database, so nothing is lost.
"""

from __future__ import annotations

import logging

from gunicorn.app.base import BaseApplication

from assistant.config import Settings

_LOGGER = logging.getLogger(__name__)

MODEL_LOAD_TIMEOUT_S = 300  # the worker loads Rasa before it can heartbeat


class HubServer(BaseApplication):
    """gunicorn embedded: ``guanjia serve`` needs no separate config file."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        options = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": self.settings.server_threads,
            "timeout": MODEL_LOAD_TIMEOUT_S,
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "guanjia-hub",
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self):
        from assistant.app import create_app

        return create_app(self.settings)


def run_server(settings: Settings) -> None:
    """Block serving until interrupted."""
    _LOGGER.info("starting hub on http://%s:%d (%d threads)", settings.host, settings.port,
                 settings.server_threads)
    HubServer(settings).run()
