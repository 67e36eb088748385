"""Configuration: each configs/*.toml read once, checked against its schema, frozen."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
from riskwatch.models import _check_family_params, load_model_specs

from riskwatch import settings
from riskwatch.data.authorities import load_reorganisation_config
from riskwatch.data.store.vintages import load_release_config
from riskwatch.errors import RiskwatchError
from riskwatch.labels import load_label_config

SHIPPED = resources.files("riskwatch.configs")


def shipped(name: str) -> dict:
    return tomllib.loads(SHIPPED.joinpath(name).read_text(encoding="utf-8"))


def test_loaders_return_the_files_as_before() -> None:
    """Every loader keeps its name and return shape: plain dicts and lists, as tomllib gives."""
    assert settings.load_run_config() == shipped("run.toml")
    assert load_label_config() == shipped("labels.toml")["label"]
    assert load_release_config() == shipped("releases.toml")
    assert load_reorganisation_config() == shipped("reorganisations.toml")
    assert load_model_specs() == shipped("models.toml")
    assert type(settings.load_run_config()["backtest"]["models"]) is list


def test_each_file_is_read_once_and_frozen() -> None:
    first = settings.config_file("run.toml")
    assert settings.config_file("run.toml") is first
    with pytest.raises(TypeError):
        first["train"]["horizon"] = 5  # type: ignore[index]
    copy = settings.load_run_config()
    copy["train"]["horizon"] = 5
    assert settings.load_run_config()["train"]["horizon"] == first["train"]["horizon"]


@pytest.fixture()
def run_toml(tmp_path: Path):
    """Write a copy of the shipped run.toml with one line replaced."""

    def write(old: str, new: str) -> Path:
        text = SHIPPED.joinpath("run.toml").read_text(encoding="utf-8")
        assert old in text
        path = tmp_path / "run.toml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return write


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("horizon = 2", "horizn = 2", "train.horizn", "unknown key"),
        ("horizon = 2", "horizon = 0", "train.horizon", "an integer of at least 1, got 0"),
        ("horizon = 2", 'horizon = "2"', "train.horizon", "an integer of at least 1, got '2'"),
        ('task = "new"', 'task = "old"', "train.task", "one of new, all"),
        ('model = "blend"', 'model = "forest"', "train.model", "a model family"),
        ("top = 30", "top = true", "watchlist.top", "an integer of at least 1, got True"),
        (
            'name = "elevated", min_probability = 0.07',
            'name = "elevated", min_probability = 7',
            "watchlist.bands[1].min_probability",
            "strictly between 0 and 1",
        ),
        ("seed = 0\n", "", "backtest.seed", "missing"),
    ],
)
def test_invalid_run_toml_stops_with_one_line(run_toml, old, new, field, message) -> None:
    path = run_toml(old, new)
    with pytest.raises(RiskwatchError) as caught:
        settings.read_config(path, "run.toml")
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: field '{field}': ")
    assert message in text


def test_cli_exits_2_on_an_invalid_run_toml(run_toml, monkeypatch, capsys) -> None:
    from riskwatch import cli

    bad = run_toml("horizon = 2", "horizn = 2")
    monkeypatch.setattr(settings, "config_file", lambda name: settings.read_config(bad, name))
    monkeypatch.setattr("sys.argv", ["riskwatch", "train"])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {bad}: field 'train.horizn': unknown key (expected one of: " + (
        "model, horizon, task, past_failure_feature, registered_name)"
    )


def test_model_specs_are_checked_against_each_family() -> None:
    with pytest.raises(
        RiskwatchError, match=r"field 'boosting\.learning_rate': learning_rate == 0.0, must be > 0"
    ):
        _check_family_params("boosting", {"learning_rate": 0.0})
    with pytest.raises(RiskwatchError, match=r"field 'logit\.l1': unknown parameter"):
        _check_family_params("logit", {"l1": 1.0})
    with pytest.raises(RiskwatchError, match=r"field 'index\.directions': unknown parameter"):
        _check_family_params("index", {"directions": {}})


def test_other_files_name_the_key() -> None:
    schema = settings.SCHEMAS["reorganisations.toml"]
    text = '[ecode_aliases]\nE0534 = "E551"\n[[reorganisation]]\nname = "x"\n'
    with pytest.raises(RiskwatchError, match=r"field 'ecode_aliases\.E0534': must be an MHCLG"):
        settings.parse_config(text, schema, "configs/reorganisations.toml")
    labels = SHIPPED.joinpath("labels.toml").read_text(encoding="utf-8")
    bad = labels.replace('covered_until = "2025-26"', 'covered_until = "2025-27"')
    with pytest.raises(RiskwatchError, match=r"labels.toml: field 'label\.covered_until'"):
        settings.parse_config(bad, settings.SCHEMAS["labels.toml"], "configs/labels.toml")
    releases = SHIPPED.joinpath("releases.toml").read_text(encoding="utf-8")
    bad = releases.replace('month_day = "07-31"', 'month_day = "02-30"')
    with pytest.raises(RiskwatchError, match=r"field 'publication_rule\.RA\.month_day'"):
        settings.parse_config(bad, settings.SCHEMAS["releases.toml"], "configs/releases.toml")
