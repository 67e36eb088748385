"""The review's MLflow run is logged by a child process started before the work: the run
arrives whole, a failure is still one line in the parent, and abandoned work logs nothing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from riskwatch.errors import RiskwatchError
from riskwatch.run_logger import RunLogger
from riskwatch.tracking import store as tracking_store

RUN = {
    "params": {"quarter": "2026Q3"},
    "metrics": {"listed": 30.0, "new_entrants": float("nan")},
    "tags": {"kind": "review"},
    "texts": {"watchlist.csv": "rank,name\n1,Example\n"},
    "run_name": "review-2026Q3",
}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'store.db'}")
    return tmp_path


def review_runs() -> list:
    """Runs tagged as reviews in this test's store (pointing MLflow at it first: an
    earlier test in this process may have pointed it elsewhere)."""
    import mlflow

    tracking_store.connect()
    client = mlflow.MlflowClient()
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments, filter_string="tags.kind = 'review'")


@pytest.mark.slow  # a child process that imports MLflow
def test_the_child_logs_the_run_it_is_handed(store: Path) -> None:
    with RunLogger() as logger:
        run_id = logger.log(**RUN)
    (run,) = review_runs()
    assert run.info.run_id == run_id and run.info.run_name == "review-2026Q3"
    assert run.data.params == {"quarter": "2026Q3"}
    assert run.data.metrics == {"listed": 30.0}  # NaN is not loggable, as in the parent
    import mlflow

    text = mlflow.artifacts.load_text(f"runs:/{run_id}/watchlist.csv")
    assert text == RUN["texts"]["watchlist.csv"]


@pytest.mark.slow  # a child process that imports MLflow
def test_work_that_fails_logs_nothing(store: Path) -> None:
    with pytest.raises(ValueError), RunLogger():
        raise ValueError("the pack could not be built")
    assert review_runs() == []


@pytest.mark.slow  # a child process that imports MLflow
def test_an_unreachable_server_is_the_parents_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    uri = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with pytest.raises(RiskwatchError) as raised, RunLogger() as logger:
        logger.log(**RUN)
    assert str(raised.value).startswith("could not record the run in MLflow: ")
    assert f"cannot reach the MLflow tracking server at {uri}" in str(raised.value)
    assert "\n" not in str(raised.value)
