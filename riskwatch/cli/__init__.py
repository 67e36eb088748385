"""The `riskwatch` command line: parsing and printing only.

One module per command group; the work itself is in riskwatch.service and below. Heavy
libraries (pandas, scikit-learn, statsmodels, MLflow) are imported inside the commands that
use them, so `riskwatch --help` stays fast.
"""

import sys
import warnings
from typing import Annotated

import typer

from riskwatch.cli.backtest import backtest_command
from riskwatch.cli.data import data_app
from riskwatch.cli.features import features_app
from riskwatch.cli.flags import flags_app
from riskwatch.cli.models import models_app
from riskwatch.cli.progress import end_progress, state
from riskwatch.cli.scoring import explain_command, review_command, watchlist_command
from riskwatch.cli.stress import stress_command
from riskwatch.cli.successors import successors_command
from riskwatch.cli.train import train_command
from riskwatch.errors import RiskwatchError, plain_line

app = typer.Typer(
    rich_markup_mode=None,
    help="riskwatch: ranked, explained early-warning scores for English councils.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data")
app.add_typer(models_app, name="models")
app.add_typer(features_app, name="features")
app.add_typer(flags_app, name="flags")
app.command("train")(train_command)
app.command("backtest")(backtest_command)
app.command("watchlist")(watchlist_command)
app.command("explain")(explain_command)
app.command("review")(review_command)
app.command("stress")(stress_command)
app.command("successors")(successors_command)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    state["debug"] = debug
    if not debug:  # a library's warnings are not the user's to act on
        warnings.simplefilter("ignore")
    from riskwatch.cluster import small_pages  # not at the top: help does not need it

    small_pages()  # a command's large arrays fault in without stalls


def main() -> None:
    """Entry point: one clear line and exit code 2 for errors a user can act on."""
    try:
        app(standalone_mode=False)
    except RiskwatchError as error:
        end_progress()
        if state["debug"]:
            raise
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except typer.TyperException as error:  # usage errors: one line, as for bad data
        if state["debug"] or not hasattr(error, "format_message"):
            raise
        typer.echo(f"error: {plain_line(error.format_message())} (see --help)", err=True)
        sys.exit(getattr(error, "exit_code", 2))
