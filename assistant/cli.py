"""The ``guanjia`` command (also ``python -m assistant``)."""

from __future__ import annotations

import logging

import click

from assistant import __version__
from assistant.config import Settings


@click.group()
@click.version_option(__version__, prog_name="guanjia")
@click.option("-v", "--verbose", is_flag=True, help="Log at DEBUG level.")
def main(verbose: bool) -> None:
    """Guanjia (管家): offline voice and kiosk assistant for residential estates."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--host", default=None, help="Interface to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [default: 8080].")
@click.option("--demo", is_flag=True, help="Seed a demo estate so everything can be seen at once.")
@click.option("--threads", type=int, default=None, help="Worker threads (one per open event stream).")
def serve(host: str | None, port: int | None, demo: bool, threads: int | None) -> None:
    """Run the hub (API, console, kiosk pages) on a production WSGI server."""
    from assistant.server import run_server

    settings = Settings.from_env(host=host, port=port, demo=demo or None, server_threads=threads)
    run_server(settings)


def _register_subcommands() -> None:
    from assistant.cli_admin import devices_group, estate_group, staff_group
    from assistant.cli_faces import faces_group
    from audio.cli import register as register_audio
    from nlu.cli import nlu_group

    for group in (nlu_group, estate_group, devices_group, staff_group, faces_group):
        main.add_command(group)
    register_audio(main)


_register_subcommands()
