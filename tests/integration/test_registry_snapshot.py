"""A registered model loaded once is kept, so the next run scores without MLflow, and
the kept copy is never stale: a new alias target, description or tag gives a new key."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from riskwatch.models import HazardLogit

from riskwatch import registry_snapshot
from riskwatch.registered import load_registered
from riskwatch.tracking import registry, runs
from riskwatch.tracking import served as served_models
from riskwatch.tracking import store as tracking_store

FEATURES = ["a", "b", "c"]


@pytest.fixture
def store(tracking_store: Path) -> Path:
    return tracking_store


def registered(seed: int) -> int:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=FEATURES)
    y = (rng.random(400) < 1 / (1 + np.exp(3 - X["a"]))).astype(int).to_numpy()
    model = HazardLogit(directions={"a": 1}).fit(X, y, groups=rng.integers(0, 40, 400))
    run_id = runs.log_training_run(
        model,
        params={"model": "logit"},
        metrics={"training_rows": 400.0},
        feature_catalogue_version="test-1",
        panel_fingerprint="0123abcd",
        config={},
        X_example=X.head(20),
        run_name=f"logit-{seed}",
    )
    return registry.register(run_id, "riskwatch", f"seed {seed}", {})


def inputs() -> pd.DataFrame:
    rng = np.random.default_rng(99)
    return pd.DataFrame(rng.normal(size=(50, 3)), columns=FEATURES)


def test_a_second_load_comes_from_the_kept_copy_without_mlflow(store: Path) -> None:
    version = registered(0)
    registry.set_alias("riskwatch", "champion", version)
    first = load_registered("riskwatch", "champion")
    expected = first.predict(inputs())
    through_mlflow = served_models.load_model("riskwatch", "champion").predict(inputs())
    assert through_mlflow.pop("unscored_because").isna().all()  # the served answer's reason
    pd.testing.assert_frame_equal(expected, through_mlflow)  # the same answer as the pyfunc
    assert len(list((store / "cache").glob("model-*.pickle"))) == 1

    code = (
        "import sys, json; from riskwatch.registered import load_registered; "
        "import pandas as pd; import numpy as np; "
        "rng = np.random.default_rng(99); "
        "X = pd.DataFrame(rng.normal(size=(50, 3)), columns=['a', 'b', 'c']); "
        "loaded = load_registered('riskwatch', 'champion'); "
        "unpickled = 'sklearn' in sys.modules; "
        "print(json.dumps({'mlflow': 'mlflow' in sys.modules, 'version': loaded.version, "
        "'sklearn before scoring': unpickled, "
        "'description': loaded.description['description'], "
        "'scores': loaded.predict(X).to_numpy().tolist()}))"
    )
    again = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=store
        ).stdout
    )
    assert again["mlflow"] is False
    assert again["sklearn before scoring"] is False  # the model is unpickled when it scores
    assert (again["version"], again["description"]) == (version, "seed 0")
    np.testing.assert_array_equal(np.array(again["scores"]), expected.to_numpy())


def test_a_changed_registry_is_never_answered_from_a_stale_copy(store: Path) -> None:
    first, second = registered(0), registered(1)
    registry.set_alias("riskwatch", "champion", first)
    assert load_registered("riskwatch", "champion").version == first
    registry.set_alias("riskwatch", "champion", second)
    assert load_registered("riskwatch", "champion").version == second
    registry.describe_version("riskwatch", second, "seed 1, described again", {"k": "v"})
    loaded = load_registered("riskwatch", "champion")
    assert loaded.description["description"] == "seed 1, described again"
    assert loaded.description["version_tags"] == {"k": "v"}
    assert load_registered("riskwatch", str(first)).description["description"] == "seed 0"


def test_a_damaged_copy_or_an_unknown_registry_schema_loads_through_mlflow(store: Path) -> None:
    version = registered(0)
    registry.set_alias("riskwatch", "champion", version)
    expected = load_registered("riskwatch", "champion").predict(inputs())
    (kept,) = (store / "cache").glob("model-*.pickle")
    kept.write_bytes(b"not a pickle")
    said: list[str] = []
    pd.testing.assert_frame_equal(
        load_registered("riskwatch", "champion", said.append).predict(inputs()), expected
    )
    assert said == [
        f"the kept copy of model version {version} does not match its registry entry: "
        "loading it from MLflow again"
    ]
    assert kept.read_bytes() != b"not a pickle"  # kept again
    assert load_registered("riskwatch", "champion", said.append).version == version
    assert len(said) == 1  # the copy kept again matches the sha256 recorded with it

    uri = tracking_store.tracking_uri()
    with sqlite3.connect(store / "store.db") as db:
        db.execute("UPDATE alembic_version SET version_num = 'future'")
    assert registry_snapshot.version_key(uri, "riskwatch", "champion") is None
    assert registry_snapshot.version_key("http://127.0.0.1:5000", "riskwatch", "champion") is None
