"""``guanjia nlu …``: train, parse and evaluate the NLU model."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from assistant.config import Settings


def _stderr(message: str) -> None:
    click.echo(message, err=True)


@click.group("nlu")
def nlu_group() -> None:
    """Train, try and measure the Rasa NLU model."""


@nlu_group.command("train")
@click.option("--force", is_flag=True, help="Train even if an identical model exists.")
@click.option("--split", type=click.Choice(["all", "train"]), default="all", show_default=True,
              help="'all' = the production model; 'train' = without the held-out examples.")
def train_command(force: bool, split: str) -> None:
    """Train the model (skipped when config and data are unchanged)."""
    from nlu.training import train_model

    settings = Settings.from_env()
    trained = train_model(settings.nlu_models_dir, split=split, force=force, progress=click.echo)
    click.echo(str(trained.path))


@nlu_group.command("parse")
@click.argument("text")
@click.option("--model", type=click.Path(path_type=Path, exists=True), help="A Rasa model archive.")
@click.option("--rasa-url", help="Parse with a Rasa server instead of a local model.")
def parse_command(text: str, model: Path | None, rasa_url: str | None) -> None:
    """Print the /api/v1/parse JSON for TEXT."""
    from assistant.errors import GuanjiaError
    from assistant.services import load_nlu
    from nlu.adapter import NluError

    settings = Settings.from_env(nlu_model=model, rasa_url=rasa_url)
    try:
        adapter = load_nlu(settings)
        result = adapter.parse(text)
    except (GuanjiaError, NluError) as err:
        raise click.ClickException(err.message) from err
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


@nlu_group.command("eval")
@click.option("--data", "data_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Any Rasa-format NLU file; default: the project's held-out split.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--png", type=click.Path(path_type=Path), help="Where to save the confusion matrix.")
def eval_command(data_file: Path | None, as_json: bool, png: Path | None) -> None:
    """Evaluate intent and entity accuracy.

    Without --data, a model trained without the held-out split (trained now if
    needed) is measured on that split; with --data, the production model is
    measured on the file.
    """
    from nlu.adapter import load_adapter
    from nlu.evaluation import evaluate, format_report, save_confusion_png
    from nlu.training import data_files, find_model, load_source_data, normalise_training_data, prepare, train_model

    settings = Settings.from_env()
    if data_file is None:
        with contextlib.redirect_stdout(sys.stderr):  # Rasa prints "model trained" to stdout; --json owns it
            trained = train_model(settings.nlu_models_dir, split="train", progress=_stderr)
        model_path = trained.path
        _, data = prepare("train")
        assert data is not None
    else:
        model_path, current = find_model(settings.nlu_models_dir)
        if model_path is None:
            raise click.ClickException("no NLU model: run `guanjia nlu train` first")
        if not current:
            _stderr(f"warning: {model_path.name} is older than the training data")
        data = normalise_training_data(load_source_data([data_file]))
    # Gold entity values are compared through the model's synonym table (nlu/data), as the product maps them.
    synonyms = load_source_data(data_files()).entity_synonyms if data_file is not None else None
    _stderr(f"evaluating {model_path.name} on {len(data.intent_examples)} examples")
    adapter = load_adapter(model_path)
    report = evaluate(adapter, data, synonyms)
    save_confusion_png(report, png or settings.var_dir / "reports" / "nlu_confusion.png")
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        click.echo(format_report(report))
    sys.stdout.flush()
