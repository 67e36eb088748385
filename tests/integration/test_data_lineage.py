"""What a score says it was computed from, and when a cached feature frame is stale.

The review pack and the watchlist name the data they used (the embedded panel, or the
data directory with the releases ingested into it); the feature-frame cache key moves
with every input that shapes a frame, configs/releases.toml included.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from conftest import TEST_DATA

BAD = TEST_DATA / "bad"


def test_the_data_source_names_the_data_directory_and_its_releases(tmp_path):
    from riskwatch.data.ingest.release import ingest
    from riskwatch.data.store.release_store import data_source

    data_dir = tmp_path / "user-data"
    assert data_source(data_dir) == "embedded panel"
    ingest([BAD / "good.xlsx"], data_dir)
    named = data_source(data_dir)
    assert named.startswith("embedded panel + 1 release ingested in ")
    assert str(data_dir) in named
    assert "RS 2023-24 release 2 (ingested good.xlsx, updated 2024-12-12)" in named


def test_the_frame_cache_key_moves_when_a_publication_rule_is_edited(tmp_path, monkeypatch):
    from riskwatch import pipeline

    tables = {"panel": _tiny_panel(), "neighbours": _tiny_panel()}
    before = pipeline.frames_key(tables, "v1", ["2019-20"])
    configs = tmp_path / "configs"
    shutil.copytree(Path(str(resources.files("riskwatch.configs"))), configs)
    rules = configs / "releases.toml"
    rules.write_text(rules.read_text().replace('month_day = "11-30"', 'month_day = "12-31"', 1))
    real_files = resources.files

    def files(package):
        return configs if package == "riskwatch.configs" else real_files(package)

    monkeypatch.setattr(resources, "files", files)
    assert pipeline.frames_key(tables, "v1", ["2019-20"]) != before
    rules.write_text((Path(str(real_files("riskwatch.configs"))) / "releases.toml").read_text())
    assert pipeline.frames_key(tables, "v1", ["2019-20"]) == before


def _tiny_panel():
    import pandas as pd

    return pd.DataFrame({"gss_code": ["E06000001"], "value": [1.0]})
