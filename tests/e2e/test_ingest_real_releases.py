"""Every official release held in ../shared/data goes through `data ingest` whole.

The other ingest tests use six-council slices, so they never meet what sits below
an authority table in a full workbook (the ENGLAND total, the class breakdown that
repeats the GLA's E-code). Here each real file is ingested untouched into an empty
data directory through the command line: it must exit 0, and since the embedded
panel was built from the same files, each must be recognised as a release the
embedded panel already holds (same values as a vintage of its form and year).
The compiled CSVs (debt-and-outturn-compiled/) go the same way: each must be
recognised by its header and found to hold the same values as the compiled vintages
the embedded panel was built from. The per-file counts are printed (pytest -s) for
the record.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import run_cli

RELEASE_FOLDERS = ("revenue-outturn", "revenue-budget", "service-expenditure")
COMPILED_FOLDER = "debt-and-outturn-compiled"
# Each compiled file: its layout, the years it holds and the returns-and-years (vintages)
# it carries (PROVENANCE.md; compiled.py's LAYOUTS).
COMPILED = {
    "outturn-and-capital_2024-25_councils.csv": ("outturn and capital", "2024-25", 3),
    "capital_2019-20_to_2023-24_councils.csv": ("capital", "2019-20 to 2023-24", 10),
    "borrowing-by-lender_2025-12-31_councils_GBP_million.csv": (
        "borrowing by lender",
        "2025-26",
        1,
    ),
}
# Files held in those folders that the embedded panel does not hold, each with the one
# line that refuses it as published and the status it is stored with once its outliers
# are accepted on purpose.
NEW_RELEASES = {
    # RA 2023-24 Part 1 (PROVENANCE.md), a Windows-1252 CSV: the revenue account lines
    # without the reserve levels. MHCLG prints Eastbourne's council tax requirement as -1.
    "RA_2023-24_data_Part_1.csv": (
        "row 124: field 'COUNCIL TAX REQUIREMENT (total of lines 900 to 985)': negative value "
        "-1 for council_tax_requirement, which cannot be negative",
        r"RA 2023-24: added, ([\d,]+) rows as 'RA 2023-24 release 1 \(ingested "
        r"RA_2023-24_data_Part_1.csv, updated 2023-06-22, read as Windows-1252: not UTF-8, "
        r"1 outlier value accepted\)'",
    ),
}


def real_releases() -> list[Path]:
    from conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():  # one case, so that `shared_data` fails (CI) or skips it
        return [SHARED_DATA]
    suffixes = (".xls", ".xlsx", ".ods", ".csv")
    return sorted(
        path
        for folder in RELEASE_FOLDERS
        for path in (SHARED_DATA / folder).glob("*")
        if path.suffix.lower() in suffixes
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", real_releases(), ids=lambda p: p.name)
def test_every_real_release_ingests_into_an_empty_data_directory(
    path, shared_data, tmp_path, monkeypatch, capsys
):
    data_dir = tmp_path / "user-data"
    code, out, err = run_cli(
        ["data", "ingest", str(path), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    if path.name in NEW_RELEASES:
        refusal, added = NEW_RELEASES[path.name]
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1, err
        assert path.name in lines[0] and refusal in lines[0], lines[0]
        assert not data_dir.exists()
        accept = ["data", "ingest", str(path), "--data-dir", str(data_dir), "--accept-outliers"]
        code, out, err = run_cli(accept, monkeypatch, capsys)
        assert code == 0, err
        # the release's line, then the suspected definition breaks of the merged panel
        line = out.strip().splitlines()[0]
        matched = re.fullmatch(re.escape(path.name) + ": " + added, line)
        assert matched, line
        with capsys.disabled():
            print(f"\n{path.parent.name}/{path.name}: {matched.group(1)} rows added, exit 0")
        return
    assert code == 0, err
    (line,) = out.strip().splitlines()
    # The embedded vintage of the same form and year read from this file (or from an
    # identical copy of it elsewhere in the shared data): nothing new to store.
    matched = re.fullmatch(
        re.escape(path.name) + r": (RS|RA|RSX) (\d{4}-\d\d): same values as \1 \2 release \d+ "
        r"\(.+\) \(([\d,]+) council values, nothing stored\)",
        line,
    )
    assert matched, line
    held = int(matched.group(3).replace(",", ""))
    assert held > 0, line
    with capsys.disabled():
        print(f"\n{path.parent.name}/{path.name}: {held:,} council values, exit 0")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COMPILED))
def test_every_compiled_file_ingests_into_an_empty_data_directory(
    name, shared_data, tmp_path, monkeypatch, capsys
):
    path = shared_data / COMPILED_FOLDER / name
    data_dir = tmp_path / "user-data"
    code, out, err = run_cli(
        ["data", "ingest", str(path), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert code == 0, err
    (line,) = out.strip().splitlines()
    layout, years, vintages = COMPILED[name]
    matched = re.fullmatch(
        re.escape(f"{name}: compiled {layout} {years}: same values as the {vintages} ")
        + r"compiled vintages? held \(([\d,]+) council values, nothing stored\)",
        line,
    )
    assert matched, line
    held = int(matched.group(1).replace(",", ""))
    assert held > 0, line
    assert not (data_dir / "releases").exists() or not any((data_dir / "releases").iterdir())
    with capsys.disabled():
        print(f"\n{COMPILED_FOLDER}/{name}: {held:,} council values, exit 0")


@pytest.mark.slow
def test_a_revised_compiled_file_is_stored_once_as_the_next_compiled_release(
    shared_data, tmp_path, monkeypatch, capsys
):
    """One figure changed (Adur's 2024-25 budgeted net revenue expenditure, row 2: 10,901 ->
    10,950): the RA 2024-25 budget values are a new compiled release; COR 2024-25, unchanged,
    is not stored again; a second ingest of the same file is a no-op."""
    from riskwatch.data.store.release_store import ingested_panel

    name = "outturn-and-capital_2024-25_councils.csv"
    lines = (shared_data / COMPILED_FOLDER / name).read_text().splitlines()
    assert lines[1].startswith("202503,E07000223,E3831,Adur,Shire District,10901,")
    lines[1] = lines[1].replace(",10901,", ",10950,", 1)
    revised = tmp_path / "revised.csv"
    revised.write_text("\n".join(lines) + "\n")
    data_dir = tmp_path / "user-data"
    argv = ["data", "ingest", str(revised), "--data-dir", str(data_dir)]
    code, out, err = run_cli(argv, monkeypatch, capsys)
    assert code == 0, err
    assert "added, 634 rows as 'RA 2024-25 compiled (ingested revised.csv, release 2)'" in out
    stored = ingested_panel(data_dir)
    assert set(stored["source"]) == {"RA"} and len(stored) == 634  # 317 councils x 2 budget lines
    assert set(stored["kind"]) == {"budget"}
    adur = stored[
        (stored["gss_code"] == "E07000223") & (stored["indicator"] == "net_revenue_expenditure")
    ]
    assert adur["value"].tolist() == [10950.0]
    code, out, err = run_cli(argv, monkeypatch, capsys)
    assert code == 0 and "already ingested" in out, (out, err)
    assert len(list((data_dir / "releases").iterdir())) == 1
    # `data check` takes the revision as compiled (not as one of MHCLG's own files, which hold
    # no RA 2024-25 figure): its comparison of the two is the embedded panel's alone.
    overlap = "Compiled figures against MHCLG's own files"
    code, out, err = run_cli(["data", "check", "--data-dir", str(data_dir)], monkeypatch, capsys)
    assert code == 0, err
    code, embedded, err = run_cli(
        ["data", "check", "--data-dir", str(tmp_path / "empty")], monkeypatch, capsys
    )
    assert code == 0, err
    (with_revision,) = [line for line in out.splitlines() if line.startswith(overlap)]
    (without,) = [line for line in embedded.splitlines() if line.startswith(overlap)]
    assert with_revision == without
    assert "(revised.csv)" not in out


def test_the_list_covers_every_folder(shared_data):
    folders = {path.parent.name for path in real_releases()}
    assert folders == set(RELEASE_FOLDERS)
    assert len(real_releases()) >= 30
