"""The command line's run state (--debug, quiet output) and its progress bars on stderr."""

import sys

import typer

state: dict = {"debug": False, "quiet": False, "bar": None}


def shows_progress(stream, quiet: bool) -> bool:
    """Whether long work draws a progress bar on `stream`: only on a terminal, and never when
    the output is JSON (a bar would interleave with what a program reads)."""
    return not quiet and stream.isatty()


def progress_bar(description: str):
    """A progress bar over an iterable, on stderr, drawn only when `shows_progress` says so.

    The returned wrapper takes `length` for a lazy iterable (results as they complete) so it
    is not drained before the bar starts; otherwise it counts the items first."""

    def wrap(items, length: int | None = None):
        if not shows_progress(sys.stderr, state["quiet"]):
            yield from items
            return
        if length is None:
            items = list(items)
        bar = typer.progressbar(
            items, length=length, label=description, file=sys.stderr, item_show_func=_shown_item
        )
        with bar:
            state["bar"] = bar
            try:
                yield from bar
            finally:
                state["bar"] = None

    return wrap


def _shown_item(item) -> str | None:
    """The item a bar names as it works: a year or a step (strings), nothing otherwise."""
    return item if isinstance(item, str) else None


def end_progress() -> None:
    """Close a bar an error interrupted, so the error starts on its own line (a generator's
    `with` would close only when the generator is collected, after the error is printed)."""
    bar, state["bar"] = state["bar"], None
    if bar is not None:
        bar.render_finish()
        bar.hidden = True  # its `with` closes later: draw nothing more


def announce(text: str) -> None:
    """A note on stderr about work done on the user's behalf (kept off stdout's output)."""
    typer.echo(text, err=True)
