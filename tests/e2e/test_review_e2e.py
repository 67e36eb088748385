"""End to end, as an analyst runs it: first watchlist trains a champion; the review pack is
reproducible byte for byte, and its HTML report opens in a headless browser."""

from __future__ import annotations

import filecmp
import html
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_riskwatch
from conftest import TEST_DATA

pytestmark = pytest.mark.slow  # end-to-end CLI runs that train a champion


def riskwatch(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return run_riskwatch(args, cwd, {"MLFLOW_TRACKING_URI": None}, timeout=900)


@pytest.fixture(scope="module")
def first_watchlist(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A working directory where `riskwatch watchlist` ran once on a fresh store, and that
    run (the tests below read its output rather than run it again)."""
    root = tmp_path_factory.mktemp("analyst")
    result = riskwatch(["watchlist", "--top", "15"], root)
    assert result.returncode == 0, result.stderr
    assert "no champion registered yet" in result.stderr
    assert "registered it as version 1" in result.stderr
    return root, result


@pytest.fixture(scope="module")
def workspace(first_watchlist) -> Path:
    return first_watchlist[0]


def test_first_watchlist_trains_a_champion_and_lists_real_councils(workspace):
    result = riskwatch(["watchlist", "--top", "15", "--format", "csv"], workspace)
    assert result.returncode == 0, result.stderr
    assert "no champion" not in result.stderr
    assert "Warning" not in result.stderr  # a user sees the list, not library chatter
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 16 and lines[0].startswith("rank,name,gss_code")
    assert all(re.search(r",E0[6-9]\d{6}|,E10\d{6}", line) for line in lines[1:])
    assert "reason_1" in lines[0]


def test_review_packs_are_byte_identical_for_identical_inputs(workspace):
    for folder in ("a", "b"):
        result = riskwatch(["review", "2026Q3", "--out", folder], workspace)
        assert result.returncode == 0, result.stderr
    first, second = workspace / "a" / "2026Q3", workspace / "b" / "2026Q3"
    names = sorted(p.name for p in first.iterdir())
    assert {"watchlist.csv", "watchlist.parquet", "watchlist.json", "review.html"} <= set(names)
    match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert mismatch == [] and errors == []
    # The default watchlist's reasons: at most one per base indicator per council.
    reasons = pd.read_csv(first / "reasons.csv")
    assert not reasons.duplicated(["gss_code", "base"]).any()
    assert reasons["gss_code"].nunique() == 30 and reasons["mechanism"].notna().all()
    # Split by whether the council raised the alarm by the review (events after the data year
    # included): monitoring exactly where a failure is on record.
    listed = pd.read_csv(first / "watchlist.csv", keep_default_na=False)
    assert set(listed["list"]) == {"warning", "monitoring"}
    assert ((listed["list"] == "monitoring") == (listed["failures_on_record"] != "")).all()
    # A pack is for circulating: its folder is not left private as a temporary one is.
    mask = os.umask(0)
    os.umask(mask)
    assert first.stat().st_mode & 0o777 == 0o777 & ~mask


def first_screen(page: str) -> str:
    """The page's summary section: what a reviewer sees before any list."""
    match = re.search(r'<section id="summary">(.*?)</section>', page, re.S)
    assert match, "no first screen"
    return match.group(1)


def test_pack_opens_on_a_summary_then_both_lists_then_a_section_per_council(workspace):
    folder = workspace / "a" / "2026Q3"
    page = (folder / "review.html").read_text()
    listed = pd.read_csv(folder / "watchlist.csv", keep_default_na=False)
    summary = first_screen(page)
    # One line with the model and the data.
    model_line = re.search(r'<p id="model-line">(.*?)</p>', summary, re.S).group(1)
    assert "version" in model_line and "embedded panel" in model_line
    # Counts per band, each split by list, equal to the pack's watchlist.
    counts = re.findall(
        r'<tr class="band-count" data-band="([^"]+)"><td>[^<]+</td><td>(\d+)</td><td>(\d+)</td>'
        r"<td>(\d+)</td>",
        summary,
    )
    assert counts, "no counts per band"
    for band, warning, monitoring, total in counts:
        in_band = listed[listed["band"] == html.unescape(band)]
        assert int(warning) == (in_band["list"] == "warning").sum(), band
        assert int(monitoring) == (in_band["list"] == "monitoring").sum(), band
        assert int(total) == len(in_band), band
    assert sum(int(c[3]) for c in counts) == len(listed) == 30
    # Flags raised: each flag's listed count is the councils of the list that raise it.
    raised = listed["flags"].str.split("; ").explode()
    for name, count in re.findall(
        r'<tr class="flag-count"><td>([^<]+)</td><td>(\d+)</td>', summary
    ):
        assert int(count) == (raised == html.unescape(name)).sum(), name
    assert ('id="flag-counts"' in summary) and ("entrants-leavers" in summary)
    # Then the two lists, after the first screen, each with its own councils.
    after = page[page.index("</section>") :]
    for key in ("warning", "monitoring"):
        table = re.search(rf'<table id="{key}">(.*?)</table>', after, re.S).group(1)
        assert table.count('class="watch-row"') == (listed["list"] == key).sum()
        assert f'data-table="{key}"' in after  # its search box
    assert "function sortList" in page and "<script src" not in page  # no network needed
    assert "@media print" in page
    # Then one section per listed council, with its reasons.
    sections = re.findall(r'<section class="council" id="(E\d{8})">', page)
    assert sorted(sections) == sorted(listed["gss_code"])
    assert page.count('<ul class="reasons"><li>') == 30


def test_stress_runs_a_scenario_and_refuses_a_bad_file_in_one_line(workspace):
    result = riskwatch(["stress", "pay-and-prices-plus-2pts", "--out", "stress.json"], workspace)
    assert result.returncode == 0, result.stderr
    rows = json.loads((workspace / "stress.json").read_text())
    assert len(rows) > 300 and {r["scenario"] for r in rows} == {"pay-and-prices-plus-2pts"}
    assert "pay-and-prices-plus-2pts (version 1, hash " in result.stdout
    assert "crossings by class" in result.stdout
    (workspace / "stress.json").write_text("[]")  # an earlier run's file is replaced
    again = riskwatch(["stress", "pay-and-prices-plus-2pts", "--out", "stress.json"], workspace)
    assert again.returncode == 0, again.stderr
    assert json.loads((workspace / "stress.json").read_text()) == rows
    (workspace / "mine.toml").write_text(
        '[scenarios.cut]\nversion = 1\ntitle = "t"\nsource = "s"\ndate = "2026"\n'
        '[scenarios.cut.spending]\nfirst_year = "2026-27"\npercent = 2\nyears = 1\n'
    )
    bad = riskwatch(["stress", "cut", "--scenario-file", "mine.toml"], workspace)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().count("\n") == 0
    assert bad.stderr.startswith("error: mine.toml: field 'scenarios.cut.date': must be")


def test_second_review_diffs_against_the_first(workspace):
    assert (
        riskwatch(["review", "2026Q2", "--as-of", "2022-23", "--out", "c"], workspace).returncode
        == 0
    )
    result = riskwatch(["review", "2026Q3", "--out", "c"], workspace)
    assert result.returncode == 0, result.stderr
    assert "since 2026Q2" in result.stdout
    diff = (workspace / "c" / "2026Q3" / "diff.json").read_text()
    assert '"entrants"' in diff and '"movers"' in diff


def test_summary_names_entrants_and_leavers_with_their_reason(workspace):
    folder = workspace / "c" / "2026Q3"
    diff = json.loads((folder / "diff.json").read_text())
    summary = first_screen((folder / "review.html").read_text())
    assert summary.count('<li class="entrant">') == len(diff["entrants"])
    assert summary.count('<li class="leaver">') == len(diff["leavers"])
    assert diff["entrants"] or diff["leavers"]  # 2022-23 against the latest year: a real change
    for entry in diff["entrants"] + diff["leavers"]:
        item = f"{html.escape(entry['name'])} ("
        assert item in summary, entry["name"]
        if entry["reason"]:
            assert html.escape(entry["reason"]) in summary


def test_the_watchlist_and_the_pack_name_the_data_they_used(first_watchlist):
    workspace, listed = first_watchlist
    assert listed.stdout.splitlines()[1] == "data: embedded panel"
    good = TEST_DATA / "bad" / "good.xlsx"
    ingested = riskwatch(["data", "ingest", str(good), "--data-dir", "ingested"], workspace)
    assert ingested.returncode == 0, ingested.stderr
    packed = riskwatch(["review", "2026Q4", "--out", "d", "--data-dir", "ingested"], workspace)
    assert packed.returncode == 0, packed.stderr
    folder = workspace / "d" / "2026Q4"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"]["version"] == 1  # the champion itself: it reads nothing later
    named = manifest["data"]
    assert named.startswith("embedded panel + 1 release ingested in ingested: "), named
    assert "RS 2023-24 release 2 (ingested good.xlsx" in named
    assert html.escape(named) in (folder / "review.html").read_text()


def test_a_past_review_refits_the_champion_without_hindsight(workspace):
    # The champion the first watchlist trained reads the borrowing position at 31 December
    # 2025, published in 2026: a review dated that day refits its configuration and goes on.
    result = riskwatch(["review", "2025Q4", "--out", "past"], workspace)
    assert result.returncode == 0, result.stderr
    because = "champion version 1 reads inputs not published by 2025-12-31 (latest_"
    assert because in result.stderr and because in result.stdout
    model = json.loads((workspace / "past" / "2025Q4" / "manifest.json").read_text())["model"]
    assert model["version"] is None and model["retrospective_of"] == 1
    assert "trained on the years 2007-08 to 2022-23" in model["words"]


def test_a_watchlist_seen_by_a_past_date_lists_every_council(workspace, tables):
    args = ["watchlist", "--seen-by", "2025-12-31", "--top", "all", "--format", "csv"]
    result = riskwatch(args, workspace)
    assert result.returncode == 0, result.stderr
    listed = pd.read_csv(io.StringIO(result.stdout))
    years = tables["authority_years"]
    filing = set(years.loc[years["financial_year"] == "2024-25", "gss_code"])
    assert set(listed["as_of"]) == {"2024-25"} and set(listed["gss_code"]) == filing
    assert listed["rank"].tolist() == list(range(1, len(filing) + 1))


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_opens_in_headless_chromium(workspace, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("chromium is not installed here (.ci/run installs Debian's chromium)")
    report = workspace / "a" / "2026Q3" / "review.html"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert dom.count('class="watch-row"') == 30
    # The first screen, both lists and a section per council survive the browser's parsing.
    summary = first_screen(dom)
    listed_now = pd.read_csv(report.parent / "watchlist.csv", keep_default_na=False)
    assert summary.count('class="band-count"') == listed_now["band"].nunique()
    for key in ("warning", "monitoring"):
        assert f'<table id="{key}">' in dom
    assert dom.count('<section class="council"') == 30
    assert dom.count('<svg class="history"') == 30  # a chart per council, drawn inline
    # The pack opens on the map of England: two layouts, a hexagon per council of the year,
    # coloured by the council's band; the listed councils' hexagons carry their band.
    assert summary.index('id="council-map"') < summary.index('id="model-line"')
    assert summary.count('<svg class="hexmap"') == 2
    hexes = dict(
        re.findall(r'<polygon class="hex" data-gss="(E\d{8})" data-band="([^"]*)"', summary)
    )
    assert set(listed_now["gss_code"]) <= set(hexes)
    for gss, band in zip(listed_now["gss_code"], listed_now["band"], strict=True):
        assert hexes[gss] == band, gss
    flagged = listed_now.loc[listed_now["flags"] != "", "gss_code"]
    outlined = re.findall(r'data-gss="(E\d{8})" data-band="[^"]*" data-outlined="1"', summary)
    assert set(flagged) <= set(outlined)
    assert "map-absent" in summary
    # The What-if section: the combined scenario, its crossings by class, its map with the
    # councils that cross outlined, and its top councils under stress, as what-if.csv has them.
    stressed = pd.read_csv(report.parent / "what-if.csv", keep_default_na=False)
    what_if = re.search(r'<section id="what-if">(.*?)</section>', dom, re.S).group(1)
    assert 'id="scenario-combined"' in what_if and what_if.count('<svg class="hexmap"') == 2
    assert what_if.count('class="crossing"') == stressed["class"].nunique() + 1
    crossing = stressed.loc[stressed["crosses"] != "", "gss_code"]
    outlined = re.findall(r'data-gss="(E\d{8})" data-band="[^"]*" data-outlined="1"', what_if)
    assert sorted(outlined) == sorted(crossing)
    assert (
        what_if.count('class="stress-row"')
        == ((stressed["stressed_rank"] <= 30) | (stressed["crosses"] != "")).sum()
    )
    # After the scenarios, the successor view: East and West Surrey beside their predecessors.
    assert what_if.count('class="successor-row successor"') == 2
    # Every council of the pack's watchlist is on the page, by name: real councils.
    listed = pd.read_csv(report.parent / "watchlist.csv")
    assert listed["gss_code"].str.match(r"E(0[6-9]|10)\d{6}$").all()
    for name in listed["name"]:
        assert html.escape(name, quote=False) in dom, name
    shot = tmp_path / "review.png"
    subprocess.run(
        [browser, *flags, "--window-size=1300,2000", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 50_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served_champion(workspace: Path) -> Iterator[str]:
    """The workspace's champion behind MLflow's own REST server (`mlflow models serve`) on a
    free loopback port; its URL once it answers /ping. Always stopped."""
    port = free_port()
    store = f"sqlite:///{workspace / 'mlflow.db'}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": store, "MLFLOW_REGISTRY_URI": store}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # uvicorn
    argv = [sys.executable, "-m", "mlflow", "models", "serve", "-m", "models:/riskwatch@champion"]
    argv += ["--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(
        argv, cwd=workspace, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"mlflow models serve did not start: {server.stderr.read()[-2000:]}"
                    )
                time.sleep(1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_rest_server_scores_as_the_cli_does(workspace, tables, frames, monkeypatch):
    """The champion behind `mlflow models serve`, sent the 2024-25 inputs as pandas'
    `dataframe_split` JSON (numbers rounded to ten digits), answers the probabilities and
    contributions the CLI computes, to 1e-6."""
    from riskwatch.registered import load_registered
    from riskwatch.scoring import model_inputs

    monkeypatch.chdir(workspace)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # the workspace's own store
    model = load_registered("riskwatch", "champion")
    inputs = model_inputs(frames["2024-25"], tables["events"], model.input_columns)
    cli = model.predict(inputs)
    request = ('{"dataframe_split": ' + inputs.to_json(orient="split", index=False) + "}").encode()
    with served_champion(workspace) as url:
        posted = urllib.request.Request(
            f"{url}/invocations", data=request, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(posted, timeout=120) as answer:
            served = pd.DataFrame(json.load(answer)["predictions"])
        refusal = _bad_request(url, inputs.drop(columns=inputs.columns[-1]).head(3))
        unscored = _answer(url, inputs.head(2).assign(**dict.fromkeys(cli_figures(inputs))))
    assert refusal["error_code"] == "INVALID_PARAMETER_VALUE" and "stack_trace" not in refusal
    assert repr(str(inputs.columns[-1])) in refusal["message"], refusal["message"]
    assert unscored["probability"].isna().all(), unscored
    assert (unscored["unscored_because"] == "every input is missing").all(), unscored
    assert served.pop("unscored_because").isna().all()
    assert list(served.columns) == list(cli.columns)
    difference = served.to_numpy(dtype=float) - cli.to_numpy(dtype=float)
    assert len(served) == len(cli) == 317
    assert abs(difference).max() <= 1e-6


def cli_figures(inputs: pd.DataFrame) -> list[str]:
    """The numeric inputs of a scoring frame (a council's class is text)."""
    return [str(c) for c in inputs.columns if pd.api.types.is_numeric_dtype(inputs[c])]


def _post(url: str, frame: pd.DataFrame) -> urllib.request.Request:
    body = '{"dataframe_split": ' + frame.to_json(orient="split", index=False) + "}"
    return urllib.request.Request(
        f"{url}/invocations", data=body.encode(), headers={"Content-Type": "application/json"}
    )


def _answer(url: str, frame: pd.DataFrame) -> pd.DataFrame:
    with urllib.request.urlopen(_post(url, frame), timeout=120) as answer:
        return pd.DataFrame(json.load(answer)["predictions"])


def _bad_request(url: str, frame: pd.DataFrame) -> dict:
    """The JSON body of the server's HTTP 400 answer to `frame`."""
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(_post(url, frame), timeout=120)
    assert caught.value.code == 400
    return json.loads(caught.value.read())
