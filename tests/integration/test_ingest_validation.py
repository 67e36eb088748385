"""Validation of releases a user ingests: one clear line, exit code 2, nothing written.

Bad files are made in the test from a small slice of a real release (RS 2023-24:
its header block and six councils).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_cli
from conftest import TEST_DATA

from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.workbook import describe_sheet

SLICE_COUNCILS = 6


@pytest.fixture(scope="module")
def rs_slice(shared_data) -> pd.DataFrame:
    grids = read_grids(shared_data / "revenue-outturn" / "rs2023_24.xlsx")
    grid = grids["RS_LA_Data_2023-24"]
    header = describe_sheet("RS_LA_Data_2023-24", grid).header_row
    return grid.iloc[: header + 1 + SLICE_COUNCILS].reset_index(drop=True)


@pytest.fixture(scope="module")
def rs_tail(shared_data) -> pd.DataFrame:
    """What RS 2023-24 prints below its authority table: the ENGLAND total, then a class
    breakdown with its own header row that repeats the GLA's E-code (E5100)."""
    grid = read_grids(shared_data / "revenue-outturn" / "rs2023_24.xlsx")["RS_LA_Data_2023-24"]
    england = grid.index[grid.iloc[:, 0].astype(str).str.strip() == "Eng"][0]
    return grid.iloc[england:].reset_index(drop=True)


def header_row(grid: pd.DataFrame) -> int:
    return describe_sheet("RS_LA_Data_2023-24", grid).header_row


def write(grid: pd.DataFrame, path: Path, sheet: str = "RS_LA_Data_2023-24") -> Path:
    grid.to_excel(path, sheet_name=sheet, header=False, index=False)
    return path


def column_of(grid: pd.DataFrame, code: str) -> int:
    for col in range(grid.shape[1]):
        if code in grid.iloc[: header_row(grid), col].astype(str).tolist():
            return col
    raise AssertionError(code)


def assert_refused(path: Path, tmp_path: Path, monkeypatch, capsys, *fragments: str) -> str:
    data_dir = tmp_path / "user-data"
    code, _, err = run_cli(
        ["data", "ingest", str(path), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and path.name in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in err
    assert not data_dir.exists()
    return lines[0]


def test_the_valid_slice_is_accepted_and_reingest_is_a_no_op(
    rs_slice, tmp_path, monkeypatch, capsys
):
    path = write(rs_slice, tmp_path / "rs2023_24_slice.xlsx")
    data_dir = tmp_path / "user-data"
    code, out, _ = run_cli(
        ["data", "ingest", str(path), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert code == 0
    assert "RS 2023-24: added" in out
    stored = sorted((data_dir / "releases").glob("*.parquet"))
    assert len(stored) == 1
    before = stored[0].read_bytes()
    code, out, _ = run_cli(
        ["data", "ingest", str(path), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert "already ingested" in out
    assert sorted((data_dir / "releases").glob("*.parquet")) == stored
    assert stored[0].read_bytes() == before


def test_a_revised_release_is_kept_beside_the_older_one(rs_slice, tmp_path, monkeypatch, capsys):
    from riskwatch.data.store.table_store import load_table

    data_dir = tmp_path / "user-data"
    first = write(rs_slice, tmp_path / "first.xlsx")
    revised = rs_slice.copy()
    h = header_row(revised)
    nre = column_of(revised, "C1R805")
    revised.iat[h + 1, nre] = float(revised.iat[h + 1, nre]) + 1000
    second = write(revised, tmp_path / "revised.xlsx")
    run_cli(["data", "ingest", str(first), "--data-dir", str(data_dir)], monkeypatch, capsys)
    run_cli(["data", "ingest", str(second), "--data-dir", str(data_dir)], monkeypatch, capsys)
    panel = load_table("panel", data_dir)
    ecode = revised.iat[h + 1, 0]
    rows = panel[
        (panel.ecode == ecode)
        & (panel.financial_year == "2023-24")
        & (panel.indicator == "net_revenue_expenditure")
        & (panel.source == "RS")
    ].sort_values("published")
    assert rows["vintage"].nunique() == 3  # embedded release, the identical slice is new, revision
    assert rows["value"].iloc[-1] == rows["value"].iloc[0] + 1000
    assert rows["published"].is_monotonic_increasing


def test_embedded_copy_is_untouched_by_ingest(rs_slice, tmp_path, monkeypatch, capsys):
    from riskwatch.data.store.table_store import embedded_dir

    before = {p.name: p.stat().st_mtime_ns for p in embedded_dir().glob("*.parquet")}
    path = write(rs_slice, tmp_path / "slice.xlsx")
    run_cli(["data", "ingest", str(path), "--data-dir", str(tmp_path / "d")], monkeypatch, capsys)
    assert {p.name: p.stat().st_mtime_ns for p in embedded_dir().glob("*.parquet")} == before


def test_unknown_code(rs_slice, tmp_path, monkeypatch, capsys):
    grid = rs_slice.copy()
    grid.iat[header_row(grid) + 2, 0] = "E9999"
    path = write(grid, tmp_path / "unknown.xlsx")
    line = assert_refused(
        path, tmp_path, monkeypatch, capsys, "unknown council E-code E9999", "E-code"
    )
    assert f"row {header_row(grid) + 3}" in line


def test_retired_code(rs_slice, tmp_path, monkeypatch, capsys):
    grid = rs_slice.copy()
    row = header_row(grid) + 2
    grid.iat[row, 0], grid.iat[row, 2], grid.iat[row, 4] = "E2820", "Northamptonshire", "SC"
    path = write(grid, tmp_path / "retired.xlsx")
    assert_refused(path, tmp_path, monkeypatch, capsys, "retired E-code E2820", "succeeded by")


def test_duplicate_authority_year_measure(rs_slice, tmp_path, monkeypatch, capsys):
    grid = pd.concat([rs_slice, rs_slice.iloc[[-1]]], ignore_index=True)
    path = write(grid, tmp_path / "duplicate.xlsx")
    assert_refused(path, tmp_path, monkeypatch, capsys, "appears 2 times")


@pytest.mark.parametrize(
    ("bad", "message"), [("twelve", "non-numeric value 'twelve'"), ("inf", "infinite")]
)
def test_non_numeric_or_infinite_value(rs_slice, tmp_path, monkeypatch, capsys, bad, message):
    grid = rs_slice.copy()
    h = header_row(grid)
    grid.iat[h + 3, column_of(grid, "C1R805")] = bad
    path = write(grid, tmp_path / "bad_value.xlsx")
    line = assert_refused(path, tmp_path, monkeypatch, capsys, message, "NET REVENUE EXPENDITURE")
    assert f"row {h + 4}" in line


def test_year_out_of_range(rs_slice, tmp_path, monkeypatch, capsys):
    grid = rs_slice.copy()
    h = header_row(grid)
    grid.iloc[:h, :] = grid.iloc[:h, :].map(
        lambda v: v.replace("2023-24", "2041-42") if isinstance(v, str) else v
    )
    path = write(grid, tmp_path / "future.xlsx")
    assert_refused(path, tmp_path, monkeypatch, capsys, "financial year 2041-42 out of range")


def test_missing_key_column(rs_slice, tmp_path, monkeypatch, capsys):
    grid = rs_slice.drop(columns=[0])
    path = write(grid, tmp_path / "no_ecode.xlsx")
    assert_refused(path, tmp_path, monkeypatch, capsys, "no sheet with an 'E-code' header row")


def test_missing_measure(rs_slice, tmp_path, monkeypatch, capsys):
    grid = rs_slice.drop(columns=[column_of(rs_slice, "C1R805")])
    path = write(grid, tmp_path / "no_nre.xlsx")
    assert_refused(
        path, tmp_path, monkeypatch, capsys, "known measure 'net_revenue_expenditure'", "not found"
    )


def test_reworded_line_is_caught(rs_slice, tmp_path, monkeypatch, capsys):
    grid = rs_slice.copy()
    grid.iat[header_row(grid), column_of(grid, "C1R805")] = "NET SPENDING AFTER GRANTS"
    path = write(grid, tmp_path / "reworded.xlsx")
    assert_refused(
        path, tmp_path, monkeypatch, capsys, "line 805 reads 'NET SPENDING AFTER GRANTS'"
    )


def test_wrong_sheet(tmp_path, monkeypatch, capsys):
    path = tmp_path / "notes_only.xlsx"
    pd.DataFrame([["Notes"], ["This workbook holds notes only"]]).to_excel(
        path, sheet_name="Notes", header=False, index=False
    )
    assert_refused(path, tmp_path, monkeypatch, capsys, "sheets: Notes")


def test_empty_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert_refused(path, tmp_path, monkeypatch, capsys, "file is empty")


def test_truncated_workbook(rs_slice, tmp_path, monkeypatch, capsys):
    whole = write(rs_slice, tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert_refused(path, tmp_path, monkeypatch, capsys, "truncated or corrupt")


def test_a_binary_file_named_csv_is_refused(tmp_path, monkeypatch, capsys):
    path = tmp_path / "workbook.csv"
    path.write_bytes(b"E-code,Local authority\nPK\x03\x04\x00\x00binary")
    assert_refused(path, tmp_path, monkeypatch, capsys, "not CSV text (NUL byte", "row 2")


def test_a_csv_neither_utf8_nor_windows_1252_is_refused(tmp_path, monkeypatch, capsys):
    path = tmp_path / "undefined.csv"
    path.write_bytes(b"E-code,Local authority\nE5030,Barking \x81 Dagenham\n")  # 0x81: unused
    assert_refused(path, tmp_path, monkeypatch, capsys, "neither UTF-8 nor Windows-1252", "row 2")


def test_a_windows_1252_csv_is_read_and_its_vintage_says_so(tmp_path, monkeypatch, capsys):
    """The RS 2023-24 slice saved by Excel on Windows (its title's '£' is byte 0xa3), as
    MHCLG's RA_2023-24_data_Part_1.csv is: read as Windows-1252, recorded in the vintage."""
    from riskwatch.data.store.release_store import ingested_panel

    corpus = TEST_DATA / "bad" / "latin1.csv"
    assert b"\xa3 thousand" in corpus.read_bytes()
    data_dir = tmp_path / "user-data"
    code, out, err = run_cli(
        ["data", "ingest", str(corpus), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert code == 0, err
    assert "read as Windows-1252: not UTF-8" in out
    stored = ingested_panel(data_dir)
    assert stored["vintage"].str.contains("read as Windows-1252").all()
    # Adur (E3831, sheet row 14): net revenue expenditure £10,534k in RS 2023-24 (C1R805)
    adur = stored[(stored["ecode"] == "E3831") & (stored["indicator"] == "net_revenue_expenditure")]
    assert adur["value"].tolist() == [10534.0]


def test_unsupported_file_type(tmp_path, monkeypatch, capsys):
    path = tmp_path / "release.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert_refused(path, tmp_path, monkeypatch, capsys, "unsupported file type '.pdf'")


def test_the_tables_below_the_authorities_are_not_read(
    rs_slice, rs_tail, tmp_path, monkeypatch, capsys
):
    assert "E5100" in rs_tail.iloc[:, 0].tolist()  # the GLA's code appears again below
    grid = pd.concat([rs_slice, rs_tail], ignore_index=True)
    path = write(grid, tmp_path / "slice_with_breakdown.xlsx")
    code, out, err = run_cli(
        ["data", "ingest", str(path), "--data-dir", str(tmp_path / "d")], monkeypatch, capsys
    )
    assert code == 0, err
    assert "RS 2023-24: added" in out


def test_a_data_row_without_an_ecode_is_refused(rs_slice, tmp_path, monkeypatch, capsys):
    grid = rs_slice.copy()
    h = header_row(grid)
    grid.iat[h + 3, 0] = None
    path = write(grid, tmp_path / "blank_code.xlsx")
    line = assert_refused(
        path, tmp_path, monkeypatch, capsys, "data row without an E-code", "E-code"
    )
    assert f"row {h + 4}" in line


def test_authority_rows_below_a_blank_row_are_refused(rs_slice, tmp_path, monkeypatch, capsys):
    h = header_row(rs_slice)
    blank = pd.DataFrame([[None] * rs_slice.shape[1]], columns=rs_slice.columns)
    grid = pd.concat([rs_slice.iloc[: h + 4], blank, rs_slice.iloc[h + 4 :]], ignore_index=True)
    path = write(grid, tmp_path / "gap.xlsx")
    line = assert_refused(path, tmp_path, monkeypatch, capsys, "below a blank row")
    assert f"row {h + 6}" in line


def test_an_outturn_for_a_year_not_yet_ended_is_refused(rs_slice, tmp_path, monkeypatch, capsys):
    from datetime import date

    today = date.today()
    start = today.year if today.month >= 4 else today.year - 1
    current = f"{start}-{(start + 1) % 100:02d}"
    grid = rs_slice.copy()
    h = header_row(grid)
    grid.iloc[:h, :] = grid.iloc[:h, :].map(
        lambda v: v.replace("2023-24", current) if isinstance(v, str) else v
    )
    path = write(grid, tmp_path / "unfinished.xlsx")
    assert_refused(path, tmp_path, monkeypatch, capsys, f"RS outturn for {current}", "not ended")


def test_an_outlier_accepted_on_purpose_is_recorded_in_the_vintage(
    rs_slice, tmp_path, monkeypatch, capsys
):
    from riskwatch.data.store.table_store import load_table

    grid = rs_slice.copy()
    h = header_row(grid)
    nre = column_of(grid, "C1R805")
    grid.iat[h + 3, nre] = 1e12
    path = write(grid, tmp_path / "outlier.xlsx")
    assert_refused(path, tmp_path, monkeypatch, capsys, "implausible value 1e+12")
    data_dir = tmp_path / "user-data"
    code, out, err = run_cli(
        ["data", "ingest", str(path), "--accept-outliers", "--data-dir", str(data_dir)],
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert "1 outlier value accepted" in out
    panel = load_table("panel", data_dir)
    kept = panel[(panel["value"] == 1e12) & (panel["indicator"] == "net_revenue_expenditure")]
    assert len(kept) == 1
    assert "1 outlier value accepted" in kept["vintage"].iloc[0]


@pytest.mark.parametrize(("factor", "ratio"), [(1 / 1000, "0.00111x"), (20, "22.2x")])
def test_net_revenue_expenditure_moving_tenfold_from_the_previous_year_is_refused(
    factor, ratio, rs_slice, tmp_path, monkeypatch, capsys
):
    """Sheet row 16 is Arun (E3832): net revenue expenditure £30,344k in 2023-24 (RS
    2023-24, C1R805) after £27,390k in 2022-23 (rs2022_23.xlsx, held in the embedded panel).
    Typed in £ million, or twenty times over, it moves more than tenfold: refused, though
    both stay inside the bound of ten times the largest any council has reported."""
    grid = rs_slice.copy()
    h = header_row(grid)
    nre = column_of(grid, "C1R805")
    assert grid.iat[h + 3, 0] == "E3832" and float(grid.iat[h + 3, nre]) == 30344
    grid.iat[h + 3, nre] = 30344 * factor
    path = write(grid, tmp_path / "slip.xlsx")
    line = assert_refused(
        path, tmp_path, monkeypatch, capsys, "row 16", "field 'net_revenue_expenditure'"
    )
    assert f"{ratio} its 2022-23 value held (27390)" in line, line
    assert "implausible value" not in line  # the year-on-year check, not the bound
    data_dir = tmp_path / "user-data"
    code, out, err = run_cli(
        ["data", "ingest", str(path), "--accept-outliers", "--data-dir", str(data_dir)],
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert "1 outlier value accepted" in out


def test_the_panel_held_is_read_only_once_values_are_compared_with_it(
    rs_slice, tmp_path, monkeypatch, capsys
):
    """A file refused for its codes is refused without reading the panel held (a second of
    every ingest); a valid file reads it once, for the bounds and the year-on-year check."""
    from riskwatch.data.ingest import held

    reads: list[str] = []
    real_load = held.load_table

    def counted(name, data_dir=None):
        reads.append(name)
        return real_load(name, data_dir)

    monkeypatch.setattr(held, "load_table", counted)
    grid = rs_slice.copy()
    grid.iat[header_row(grid) + 2, 0] = "E9999"
    assert_refused(write(grid, tmp_path / "unknown.xlsx"), tmp_path, monkeypatch, capsys, "E9999")
    assert reads == []
    path = write(rs_slice, tmp_path / "slice.xlsx")
    code, _, err = run_cli(
        ["data", "ingest", str(path), "--data-dir", str(tmp_path / "d")], monkeypatch, capsys
    )
    assert code == 0, err
    assert reads == ["panel"]


def test_each_file_is_compared_with_the_files_before_it_but_bounded_by_the_panel_stored(
    tmp_path, monkeypatch
):
    from riskwatch.data.ingest import held

    stored = pd.DataFrame({"indicator": ["a", "a"], "value": [1.0, -3.0]})
    monkeypatch.setattr(held, "load_table", lambda name, data_dir=None: stored)
    what = held.Held(tmp_path)
    first = pd.DataFrame({"indicator": ["a"], "value": [50.0]})
    what.add(first)
    what.add(first.assign(value=60.0))
    assert what.panel()["value"].tolist() == [1.0, -3.0, 50.0, 60.0]
    assert what.panel().index.tolist() == [0, 1, 2, 3]
    assert what.bounds.to_dict() == {"a": 30.0}  # ten times the largest stored, |-3|
