"""MLflow tracking and registry round-trip in a temporary SQLite store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from riskwatch.models import BoostedTrees, HazardLogit
from riskwatch.models.scores import score_frame

from riskwatch.tracking import registration, registry, runs
from riskwatch.tracking import served as served_models
from riskwatch.tracking import store as tracking_store

FEATURES = ["a", "b", "c"]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copy_empty_registry) -> Path:
    """An empty registry (a copy of one migrated store) in a temporary working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", copy_empty_registry(tmp_path / "store.db"))
    return tmp_path


def small_data(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(600, 3)), columns=FEATURES)
    y = (rng.random(600) < 1 / (1 + np.exp(3 - X["a"]))).to_numpy().astype(int)
    X.loc[::7, "b"] = np.nan
    return X, y, rng.integers(0, 60, size=600)


def log(model: object, X: pd.DataFrame, name: str) -> str:
    return runs.log_training_run(
        model,
        params={"family": name, "directions": {"a": 1}},
        metrics={"roc_auc": 0.8, "brier": 0.05},
        feature_catalogue_version="test-1",
        panel_fingerprint="0123abcd",
        config={"horizon": 2, "path": Path("x")},
        X_example=X.head(20),
        run_name=name,
    )


def test_registry_round_trip_with_aliases(store: Path) -> None:
    X, y, groups = small_data()
    logit = HazardLogit(directions={"a": 1}).fit(X, y, groups=groups)
    trees = BoostedTrees(directions={"a": 1}, n_estimators=50).fit(X, y, groups=groups)
    v1 = registry.register(log(logit, X, "logit"))
    v2 = registry.register(log(trees, X, "boosting"))
    assert (v1, v2) == (1, 2)

    registry.set_alias("riskwatch", "champion", v1)
    registry.set_alias("riskwatch", "challenger", v2)
    champion = registry.get_version_by_alias("riskwatch", "champion")
    assert champion is not None
    assert champion["version"] == 1
    assert champion["aliases"] == ["champion"]
    assert champion["metrics"] == {"roc_auc": 0.8, "brier": 0.05}
    assert champion["panel_fingerprint"] == "0123abcd"
    assert registry.get_version_by_alias("riskwatch", "retired") is None

    versions = registry.list_versions("riskwatch")
    assert [(v["version"], v["aliases"], v["model_family"]) for v in versions] == [
        (1, ["champion"], "HazardLogit"),
        (2, ["challenger"], "BoostedTrees"),
    ]
    assert registry.list_versions("nothing-here") == []

    for ref, model in [("champion", logit), ("challenger", trees), (2, trees)]:
        loaded = served_models.load_model("riskwatch", ref)
        got = loaded.predict(X)
        expected = score_frame(X, model)
        assert list(got.columns) == [
            "probability",
            *(f"contrib__{f}" for f in FEATURES),
            "contrib__baseline",
            "unscored_because",
        ]
        assert got["unscored_because"].isna().all()  # no row of X misses every input
        np.testing.assert_allclose(
            got.drop(columns="unscored_because").to_numpy(dtype=float),
            expected.to_numpy(),
            rtol=0,
            atol=1e-12,
        )
    assert (store / "mlartifacts").is_dir()
    assert not (store / "mlruns").exists()


def test_score_frame_is_probability_plus_contributions() -> None:
    X, y, groups = small_data(1)
    model = HazardLogit().fit(X, y, groups=groups)
    frame = score_frame(X, model)
    contrib = frame.filter(like="contrib__").sum(axis=1)
    np.testing.assert_allclose(1 / (1 + np.exp(-contrib)), frame["probability"], atol=1e-12)


def test_default_store_is_sqlite_in_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    assert tracking_store.tracking_uri() == f"sqlite:///{tmp_path / 'mlflow.db'}"


def test_importing_tracking_does_not_import_mlflow() -> None:
    code = "import sys, riskwatch.tracking; print('mlflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_registered_versions_carry_a_description_and_tags(store: Path) -> None:
    from riskwatch.training import TrainedModel, registry_entry

    X, y, groups = small_data(2)
    model = HazardLogit(directions={"a": 1}).fit(X, y, groups=groups)
    trained = TrainedModel(
        model=model,
        params={
            "model": "logit",
            "horizon": 2,
            "task": "new",
            "features": 3,
            "training_years": "2007-08..2021-22",
            "labels_cover_until": "2023-24",
        },
        metrics={"training_rows": 5210.0, "training_failures": 31.0},
        X_example=X.head(20),
    )
    description, tags = registry_entry(trained, "cat-1", "0123abcd", "2023-24")
    assert description == (
        "logit model warning 2 years ahead of new failures only; 3 input features "
        "(catalogue cat-1); trained on 5,210 council-years with 31 failures, as-of years "
        "2007-08 to 2021-22 (outcomes labelled to 2023-24); panel 0123abcd, data through 2023-24."
    )
    assert tags == {"family": "logit", "horizon": "2", "task": "new", "data_through": "2023-24"}
    version = registry.register(log(model, X, "logit"), "riskwatch", description, tags)
    (listed,) = registry.list_versions("riskwatch")
    assert listed["version"] == version
    assert listed["description"] == description and listed["version_tags"] == tags
    # `models list` prints them under the version.
    shown = subprocess.run(
        [sys.executable, "-m", "riskwatch.cli", "models", "list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert description in shown
    assert "data_through=2023-24  family=logit  horizon=2  task=new" in shown


def backtest_record(run_id: str, started: str, roc_auc: float, **changes) -> dict:
    record = {
        "run_id": run_id,
        "started": started,
        "params": {"past_failure_feature": "True"},
        "metrics": {
            "logit.new.h2.roc_auc": roc_auc,
            "logit.new.h2.pr_auc": 0.21,
            "logit.new.h2.recall_at_30": 0.5,
            "logit.new.h2.brier": 0.0123,
        },
        "tags": {"feature_catalogue_version": "cat-1", "panel_fingerprint": "0123abcd"},
    }
    for part, value in changes.items():
        record[part] = record[part] | value
    return record


LOGIT_PARAMS = {"model": "logit", "task": "new", "horizon": "2", "past_failure_feature": "True"}


def test_a_version_takes_the_newest_backtest_of_its_own_configuration() -> None:
    from riskwatch.training import backtest_headline

    records = [  # newest first: another catalogue, another input set, then the match
        backtest_record("run-newest", "2026-11-30", 0.9, tags={"feature_catalogue_version": "x"}),
        backtest_record("run-other", "2026-11-29", 0.8, params={"past_failure_feature": "False"}),
        backtest_record("run-match-1", "2026-11-28", 0.812),
        backtest_record("run-match-0", "2026-11-27", 0.7),
    ]
    sentence, tags = backtest_headline(records, LOGIT_PARAMS, "cat-1", "0123abcd")
    assert sentence == (
        "Backtest of this configuration (run run-matc of 2026-11-28, on this version's panel), "
        "scored only on years it did not train on: ROC-AUC 0.812, PR-AUC 0.210, recall in the "
        "top 30 0.50, Brier score 0.0123."
    )
    assert tags == {
        "backtest_run": "run-match-1",
        "backtest_roc_auc": "0.812",
        "backtest_pr_auc": "0.21",
        "backtest_recall_at_30": "0.5",
        "backtest_brier": "0.0123",
    }
    assert "on panel 0123abcd" in backtest_headline(records, LOGIT_PARAMS, "cat-1", "ffff")[0]
    assert backtest_headline(records, {**LOGIT_PARAMS, "horizon": "3"}, "cat-1", "x") is None


def test_a_backtest_describes_the_registered_versions_it_covers(store: Path) -> None:
    """Registered first, backtested after: the version's description and tags gain the
    backtest's figures, and a later backtest replaces them rather than adding more."""
    from riskwatch.service.backtest import describe_backtested_versions

    X, y, groups = small_data(3)
    model = HazardLogit(directions={"a": 1}).fit(X, y, groups=groups)
    run_id = runs.log_training_run(
        model,
        params=LOGIT_PARAMS,
        metrics={"training_rows": 600.0},
        feature_catalogue_version="cat-1",
        panel_fingerprint="0123abcd",
        config={},
        X_example=X.head(20),
        run_name="logit",
    )
    version = registry.register(run_id, "riskwatch", "logit model warning 2 years ahead.", {})
    for roc_auc in (0.8, 0.83):
        record = backtest_record("", "", roc_auc)
        runs.log_run(
            params=record["params"],
            metrics=record["metrics"],
            tags={"kind": "backtest", **record["tags"]},
            texts={},
            run_name="backtest",
        )
        describe_backtested_versions("cat-1")
    (listed,) = registry.list_versions("riskwatch")
    assert listed["version"] == version
    assert listed["description"].startswith(
        "logit model warning 2 years ahead. Backtest of this configuration (run "
    )
    assert listed["description"].count("Backtest") == 1
    assert "ROC-AUC 0.830, PR-AUC 0.210, recall in the top 30 0.50" in listed["description"]
    assert listed["version_tags"]["backtest_roc_auc"] == "0.83"
    assert listed["version_tags"]["backtest_run"] == runs.backtest_records()[0]["run_id"]


def served(store: Path):
    """The registered pyfunc of a logit fitted on `small_data`, and its inputs."""
    X, y, groups = small_data()
    model = HazardLogit(directions={"a": 1}).fit(X, y, groups=groups)
    version = registry.register(log(model, X, "logit"))
    return served_models.load_model("riskwatch", version), X


def test_the_served_model_refuses_a_bad_request_in_one_line(store: Path) -> None:
    """A missing column (one MLflow's signature lets through as optional: 'b' holds NaN),
    and a row of all-missing inputs, through the pyfunc as `mlflow models serve` calls it."""
    from mlflow.exceptions import MlflowException

    pyfunc, X = served(store)
    with pytest.raises(MlflowException) as caught:
        pyfunc.predict(X[["a", "c"]].head(3))
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert caught.value.message == (
        "missing input column 'b': the model reads 3 inputs, send every one (null where unknown)"
    )

    frame = pd.DataFrame({"a": [np.nan, 1.0], "b": [np.nan, 0.5], "c": [np.nan, -1.0]})
    answer = pyfunc.predict(frame)
    assert answer.iloc[0].drop("unscored_because").isna().all()
    assert answer.loc[0, "unscored_because"] == "every input is missing"
    assert pd.isna(answer.loc[1, "unscored_because"])
    assert 0 < answer.loc[1, "probability"] < 1


def test_checked_inputs_refuse_unknown_and_non_numeric_columns() -> None:
    from riskwatch.errors import RiskwatchError
    from riskwatch.model_input import checked_inputs

    frame = pd.DataFrame({"a": [1.0, 2.0], "class": ["SD", "UA"]})
    with pytest.raises(RiskwatchError, match="^unknown input column 'z': the model reads only"):
        checked_inputs(frame.assign(z=1), ["a", "class"], ["a"])
    with pytest.raises(RiskwatchError, match="^row 1: field 'a': not a number: 'two'$"):
        checked_inputs(frame.assign(a=["1", "two"]), ["a", "class"], ["a"])
    checked = checked_inputs(frame.assign(a=["1", None]), ["class", "a"], ["a"])
    assert list(checked.columns) == ["class", "a"] and checked["a"].tolist()[0] == 1.0


def test_registration_is_all_or_nothing_when_the_store_fails(store: Path, monkeypatch) -> None:
    """A store that fails after the version is created, before its alias is set (a
    tracking server stopping mid `train --register --alias`): the version is removed
    again, the aliases are as they were, and the command's error is one line."""
    from riskwatch.errors import RiskwatchError

    X, y, groups = small_data()
    model = HazardLogit(directions={"a": 1}).fit(X, y, groups=groups)
    first = registration.register_aliased(log(model, X, "logit"), "riskwatch", "", {}, "champion")

    def server_gone(*args, **kwargs):
        raise ConnectionError("Connection refused")

    monkeypatch.setattr(registry, "set_alias", server_gone)
    with pytest.raises(RiskwatchError) as caught:
        registration.register_aliased(log(model, X, "logit"), "riskwatch", "", {}, "champion")
    assert str(caught.value) == (
        "field '--alias': the tracking store at "
        f"{tracking_store.tracking_uri()} failed while pointing 'champion' at the new version "
        "(Connection refused): version 2 was removed again; aliases are unchanged"
    )
    assert [(v["version"], v["aliases"]) for v in registry.list_versions("riskwatch")] == [
        (first, ["champion"])
    ]


def _registered(alias: str | None) -> int:
    """A fresh version of 'riskwatch' registered with `alias`."""
    X, y, groups = small_data()
    model = HazardLogit(directions={"a": 1}).fit(X, y, groups=groups)
    return registration.register_aliased(log(model, X, "logit"), "riskwatch", "", {}, alias)


def _interrupted_registration(monkeypatch, failing_step: str) -> str:
    """Register for 'champion' with the store failing at `failing_step` (`set_alias`: before
    the alias moves; `tag_version`: after it moved, before the version is complete) and too
    far gone to undo it; the command's one line."""
    from riskwatch.errors import RiskwatchError

    def store_gone(*args, **kwargs):
        raise ConnectionError("Connection refused")

    X, y, groups = small_data()
    run_id = log(HazardLogit(directions={"a": 1}).fit(X, y, groups=groups), X, "logit")
    with monkeypatch.context() as store_down:
        store_down.setattr(registry, failing_step, store_gone)
        store_down.setattr(registration, "withdraw", store_gone)
        with pytest.raises(RiskwatchError) as caught:
            registration.register_aliased(run_id, "riskwatch", "", {}, "champion")
    return str(caught.value)


def test_an_interrupted_registration_is_not_registered_until_removed(
    store: Path, monkeypatch
) -> None:
    """The store fails before the alias is set and cannot even delete the version: it stays
    pending, and is not listed, not promotable, never the champion; a registration in flight
    (younger than INTERRUPTED_AFTER) is left alone, an older one removed in one line."""
    from datetime import timedelta

    from riskwatch.errors import RiskwatchError
    from riskwatch.service.models import promote

    first = _registered("champion")
    said = _interrupted_registration(monkeypatch, "set_alias")
    assert said.endswith(
        "(Connection refused): version 2 is left marked interrupted, is used by no command, "
        "and is removed by the next `riskwatch train --register` or `riskwatch models list`; "
        "aliases are unchanged"
    )
    assert [v["version"] for v in registry.list_versions("riskwatch")] == [first]
    assert registry.get_version_by_alias("riskwatch", "champion")["version"] == first
    assert registration.interrupted_versions("riskwatch") == [2]
    with pytest.raises(RiskwatchError) as refused:
        promote(2, "champion")
    assert str(refused.value) == (
        "field 'VERSION': version 2 of 'riskwatch' is not registered: its registration was "
        "interrupted (the tracking store failed before it was complete); register again "
        "with `riskwatch train --register`"
    )

    announced: list[str] = []
    assert registration.remove_interrupted("riskwatch", announced.append) == []  # in flight?
    monkeypatch.setattr(registration, "INTERRUPTED_AFTER", timedelta(0))
    X, y, groups = small_data()
    run_id = log(HazardLogit(directions={"a": 1}).fit(X, y, groups=groups), X, "logit")
    third = registration.register_aliased(
        run_id, "riskwatch", "", {}, "challenger", announced.append
    )
    assert announced == [
        "removed version 2 of 'riskwatch': registration interrupted (the tracking store "
        "failed before it was complete)"
    ]
    assert registration.interrupted_versions("riskwatch") == []
    assert [(v["version"], v["aliases"]) for v in registry.list_versions("riskwatch")] == [
        (first, ["champion"]),
        (third, ["challenger"]),
    ]


def test_an_alias_taken_by_an_interrupted_registration_still_names_the_old_version(
    store: Path, monkeypatch
) -> None:
    """The store fails after the alias moved, before the version is marked complete: the
    alias still resolves to the version it named (through MLflow, not the local snapshot),
    and removing the interrupted version puts the alias back."""
    from datetime import timedelta

    from riskwatch import registry_snapshot

    first = _registered("champion")
    assert _interrupted_registration(monkeypatch, "tag_version").endswith("aliases are unchanged")
    champion = registry.get_version_by_alias("riskwatch", "champion")
    assert (champion["version"], champion["aliases"]) == (first, ["champion"])
    assert [(v["version"], v["aliases"]) for v in registry.list_versions("riskwatch")] == [
        (first, ["champion"])
    ]
    uri = tracking_store.tracking_uri()
    assert registry_snapshot.version_key(uri, "riskwatch", "champion") is None
    assert registry_snapshot.version_key(uri, "riskwatch", "2") is None
    monkeypatch.setattr(registration, "INTERRUPTED_AFTER", timedelta(0))
    assert registration.remove_interrupted("riskwatch", lambda text: None) == [2]
    assert registry_snapshot.version_key(uri, "riskwatch", "champion").version == first
    assert [(v["version"], v["aliases"]) for v in registry.list_versions("riskwatch")] == [
        (first, ["champion"])
    ]


def test_a_first_registration_interrupted_leaves_no_alias(store: Path, monkeypatch) -> None:
    """With no champion before, an interrupted registration that took the alias leaves none
    once removed (and none resolves meanwhile); a version registered without an alias (and
    one registered before registrations were marked) is complete at once."""
    from datetime import timedelta

    _interrupted_registration(monkeypatch, "tag_version")
    assert registry.get_version_by_alias("riskwatch", "champion") is None
    assert registry.list_versions("riskwatch") == []
    monkeypatch.setattr(registration, "INTERRUPTED_AFTER", timedelta(0))
    assert registration.remove_interrupted("riskwatch", lambda text: None) == [1]
    assert registry.get_version_by_alias("riskwatch", "champion") is None
    unaliased = _registered(None)
    assert [v["version"] for v in registry.list_versions("riskwatch")] == [unaliased]
    assert registration.interrupted_versions("riskwatch") == []


def test_an_interrupted_registration_whose_old_version_was_deleted_leaves_no_alias(
    store: Path, monkeypatch
) -> None:
    """The version the alias named before was deleted meanwhile: removing the interrupted
    version removes the alias it took rather than failing on every later command."""
    from datetime import timedelta

    import mlflow

    first = _registered("champion")
    _interrupted_registration(monkeypatch, "tag_version")
    tracking_store.connect()  # points MLflow's client at the test's store
    mlflow.MlflowClient().delete_model_version("riskwatch", str(first))
    monkeypatch.setattr(registration, "INTERRUPTED_AFTER", timedelta(0))
    assert registration.remove_interrupted("riskwatch", lambda text: None) == [2]
    assert registry.get_version_by_alias("riskwatch", "champion") is None
    assert registry.list_versions("riskwatch") == []
