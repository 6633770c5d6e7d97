"""NLP models: `kesheng nlp`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kesheng.cli.common import app, err, load_settings, open_database, out

nlp_app = typer.Typer(help="NLP models.", no_args_is_help=True)
app.add_typer(nlp_app, name="nlp")


@nlp_app.command("train")
def nlp_train(
    output: Annotated[
        Path | None, typer.Option("--output", help="default: DATA_DIR/models/nlp.joblib, which the service loads")
    ] = None,
    corrections: Annotated[
        bool, typer.Option("--corrections/--no-corrections", help="learn from reviewers' tag fixes in the database")
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", help="replace the models even if worse on the held-out sets")
    ] = False,
) -> None:
    """Retrain with the reviewers' tag fixes; the new models replace the current ones only if not worse.

    Works offline. The replaced models are kept (`kesheng nlp restore` brings them back); refused
    ones are written beside them as *.refused.joblib. Exit code 1 when the new models were refused.
    """
    from nlp.evaluate import measured_on
    from nlp.train import retrain
    from store.corrections import labelled_corrections

    settings = load_settings()
    output = output or settings.trained_model_file
    data: dict[str, list[tuple[str, str]]] = {}
    if corrections:
        with open_database(settings).transaction() as session:
            data = labelled_corrections(session)
    count = sum(len(pairs) for pairs in data.values())
    err.print(f"{count} reviewer correction(s): " + ", ".join(f"{k} {len(v)}" for k, v in data.items() if v))
    with err.status("training and measuring on the held-out sets (a few minutes)..."):
        result = retrain(output, data, force=force)
    table = Table("measured on", "metric", "before", "after", "change")
    for name, values in result.after.items():
        for metric, value in values.items():
            if metric == "n":
                continue
            old = result.before[name][metric]
            table.add_row(measured_on(name), metric, f"{old:.4f}", f"{value:.4f}", f"{value - old:+.4f}")
    out.print(table)
    if not result.accepted:
        err.print(
            f"[red]refused:[/red] worse on {', '.join(result.worse)}; current models kept, new ones in {result.written}"
        )
        raise typer.Exit(1)
    out.print(f"wrote {output}; the service uses it from its next start (`kesheng nlp restore` undoes this)")


@nlp_app.command("restore")
def nlp_restore(
    output: Annotated[Path | None, typer.Option("--output", help="default: DATA_DIR/models/nlp.joblib")] = None,
) -> None:
    """Put back the models the last `kesheng nlp train` replaced."""
    from nlp.train import restore

    settings = load_settings()
    restored = restore(output or settings.trained_model_file)
    out.print(f"restored {restored}" if restored else "the shipped models are active again")
