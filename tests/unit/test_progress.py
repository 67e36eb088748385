"""Long work draws progress on stderr only on a terminal, never when piped or with --json."""

import io

from riskwatch import backtest
from riskwatch.cli import progress as cli_progress
from riskwatch.dataset import feature_set


class FakeTerminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal_without_json():
    assert cli_progress.shows_progress(FakeTerminal(), quiet=False)
    assert not cli_progress.shows_progress(FakeTerminal(), quiet=True)  # --json
    assert not cli_progress.shows_progress(io.StringIO(), quiet=False)  # piped


def test_bar_goes_to_stderr_on_a_terminal(monkeypatch, capsys):
    terminal = FakeTerminal()
    monkeypatch.setattr(cli_progress.sys, "stderr", terminal)
    monkeypatch.setitem(cli_progress.state, "quiet", False)
    items = list(cli_progress.progress_bar("building features")(["2019-20", "2020-21"]))
    assert items == ["2019-20", "2020-21"]
    drawn = terminal.getvalue()
    assert "building features" in drawn and "100%" in drawn and "2020-21" in drawn
    assert capsys.readouterr().out == ""  # nothing on stdout, which a pipe may read


def test_silent_when_stderr_is_not_a_terminal(monkeypatch):
    piped = io.StringIO()
    monkeypatch.setattr(cli_progress.sys, "stderr", piped)
    monkeypatch.setitem(cli_progress.state, "quiet", False)
    assert list(cli_progress.progress_bar("fitting models")(range(3))) == [0, 1, 2]
    assert piped.getvalue() == ""


def test_silent_with_json_even_on_a_terminal(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(cli_progress.sys, "stderr", terminal)
    monkeypatch.setitem(cli_progress.state, "quiet", True)
    assert list(cli_progress.progress_bar("fitting models")(range(3))) == [0, 1, 2]
    assert terminal.getvalue() == ""


def test_lazy_results_are_drawn_as_they_arrive(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(cli_progress.sys, "stderr", terminal)
    monkeypatch.setitem(cli_progress.state, "quiet", False)
    produced = []

    def results():
        for i in range(3):
            produced.append(i)
            yield i

    wrapped = cli_progress.progress_bar("fitting models")(results(), 3)
    assert next(wrapped) == 0
    assert produced == [0]  # with a length, the results are not drained before the bar starts
    assert list(wrapped) == [1, 2]
    assert "100%" in terminal.getvalue()


def test_an_error_starts_on_its_own_line(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(cli_progress.sys, "stderr", terminal)
    monkeypatch.setitem(cli_progress.state, "quiet", False)
    wrapped = cli_progress.progress_bar("reading releases")(["a.xlsx", "b.xlsx"])
    next(wrapped)  # the reader of a.xlsx fails here: the generator stays suspended
    cli_progress.end_progress()
    assert terminal.getvalue().endswith("\n")
    closed_at = len(terminal.getvalue())
    wrapped.close()  # collected later: draws nothing more
    assert len(terminal.getvalue()) == closed_at


def test_backtest_fits_pass_through_progress_in_order(monkeypatch):
    seen = {}

    def progress(items, length=None):
        seen["length"] = length
        for item in items:
            seen.setdefault("items", []).append(item)
            yield item

    monkeypatch.setattr(backtest, "_run_job", lambda frames, failures, fit, spec: fit)
    features = feature_set()
    jobs = [
        backtest.OriginFit(year, 2, "new", "logit", features) for year in ("2018-19", "2019-20")
    ]
    results = backtest._map_jobs(jobs, {}, None, None, 1, None, progress)
    assert results == jobs
    assert seen == {"length": 2, "items": jobs}
