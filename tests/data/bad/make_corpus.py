"""Regenerate the bad-input corpus in this folder from a slice of a real release.

Every file here is cut from the Revenue Outturn Summary (RS) 2023-24 workbook
(`../shared/data/revenue-outturn/rs2023_24.xlsx`, Open Government Licence v3.0):
its title block and the first six councils, then damaged in one way each. The
`compiled_*.csv` cases are cut the same way from the compiled 2024-25 outturn and
capital CSV (`../shared/data/debt-and-outturn-compiled/`, MHCLG RS and COR figures
transcribed; see PROVENANCE.md): its header and first six councils. The
outputs are committed, so the tests never need the shared data; rerun this
script only to change the corpus:

    /tmp/venv/bin/python tests/data/bad/make_corpus.py [--source ../shared/data]

`CASES` below (file name -> what is wrong and what the error line must say) is
read by `tests/test_bad_inputs.py`, so a new case is one entry here plus one
`make_*` function. `good.xlsx` is the untouched slice: the control that must be
accepted, so a rejection is never an accident of the slice itself. `latin1.csv` is the
slice saved as Windows-1252 CSV (the '£' in its title is byte 0xa3), as MHCLG's
RA_2023-24_data_Part_1.csv is: accepted too, read as Windows-1252 (tests/test_ingest_validation.py).
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[3] / "shared" / "data"
SHEET = "RS_LA_Data_2023-24"
COUNCILS = 6
COMPILED = "debt-and-outturn-compiled/outturn-and-capital_2024-25_councils.csv"

# name -> (what is wrong, fragments the one error line must contain, fix needed if not
# rejected today (None = rejected today)). The file name itself must appear in the line too.
CASES: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "empty.xlsx": ("a zero-byte workbook", ("file is empty",), None),
    "empty.csv": ("a zero-byte CSV", ("file is empty",), None),
    "header_only.xlsx": (
        "the title block and header row, no council rows",
        ("no authority rows",),
        None,
    ),
    "header_only.csv": (
        "the header row alone, as CSV",
        ("cannot tell which revenue return",),
        None,
    ),
    "wrong_header.xlsx": (
        "the 'E-code' column header renamed 'Authority code'",
        ("no sheet with an 'E-code' header row",),
        None,
    ),
    "wrong_header.csv": (
        "a CSV of another shape (council, year, spend)",
        ("no sheet with an 'E-code' header row",),
        None,
    ),
    "units_million.xlsx": (
        "values rescaled to £ million and the title saying so ('Data are reported in £ million')",
        ("£ million",),
        None,
    ),
    "units_pounds.xlsx": (
        "values in £ (x1000) and the title saying 'Data are reported in £.'",
        ("£",),
        None,
    ),
    "duplicate_rows.xlsx": ("the last council's row repeated", ("appears 2 times",), None),
    "unknown_code.xlsx": ("an E-code no council has ever had (E9999)", ("E9999",), None),
    "retired_code.xlsx": (
        "Northamptonshire (E2820, abolished 2021) filing for 2023-24",
        ("retired E-code E2820",),
        None,
    ),
    "inf_value.xlsx": ("'inf' as a net revenue expenditure", ("infinite",), None),
    "nan_value.xlsx": (
        "'NaN' as a net revenue expenditure",
        ("undefined",),
        None,
    ),
    "negative_council_tax.xlsx": (
        "a negative council tax requirement (never negative: 0 of 9,414 reported values)",
        ("council", "negative"),
        None,
    ),
    "malformed_year.xlsx": (
        "the title's year written '2023-25'",
        ("financial year",),
        None,
    ),
    "future_year.xlsx": ("the title's year moved to 2041-42", ("out of range",), None),
    "truncated.xlsx": ("the good workbook cut in half", ("truncated or corrupt",), None),
    "wrong_sheet.xlsx": (
        "only the release's Front_Page and Notes sheets, no data sheet",
        ("sheets: Front_Page, Notes",),
        None,
    ),
    "binary.csv": (
        "the good workbook's bytes under a .csv name (a zip: NUL bytes)",
        ("not CSV text (NUL byte",),
        None,
    ),
    "blank_code.xlsx": (
        "a council row with its E-code cell emptied (its values kept)",
        ("data row without an E-code", "row 16"),
        None,
    ),
    "unknown_class.xlsx": (
        "an E-code no council has had (E9998) with a class no release prints (ZZ)",
        ("unknown class 'ZZ'", "E9998"),
        None,
    ),
    "ons_mismatch.xlsx": (
        "Amber Valley (E1031) given Adur's ONS code E07000223",
        ("ONS code E07000223 belongs to Adur", "E1031"),
        None,
    ),
    "formula_value.xlsx": (
        "a net revenue expenditure cell holding the formula =1+1 (no cached value)",
        ("formula '=1+1'", "row 16", "NET REVENUE EXPENDITURE"),
        None,
    ),
    "huge_value.xlsx": (
        "1e308 as a net revenue expenditure",
        ("implausible value 1e+308", "--accept-outliers"),
        None,
    ),
    "thousand_times.xlsx": (
        "every value multiplied by 1000 while the title still says £ thousand",
        ("implausible value", "--accept-outliers"),
        None,
    ),
    "future_release_date.xlsx": (
        "the title's 'Last updated' date moved to 12 December 2099",
        ("release date 2099-12-12 is in the future",),
        None,
    ),
    "nre_unit_slip.xlsx": (
        "one council's net revenue expenditure typed in £ million under the £ thousand title "
        "(a thousandth of its 2022-23 value held)",
        ("row 16", "net_revenue_expenditure", "2022-23 value held", "--accept-outliers"),
        None,
    ),
    "unpacks_too_far.xlsx": (
        "a 65 KB workbook whose one sheet unpacks to 65 MB of zeros (a zip bomb), refused "
        "from its zip directory before it is opened",
        ("unpacks to 65 MB", "limit 64 MB", "not read"),
        None,
    ),
    "compiled_renamed_column.csv": (
        "a compiled CSV whose 'nre' column is renamed 'net_revenue'",
        ("row 1", "unknown compiled layout", "missing nre, unexpected net_revenue"),
        None,
    ),
    "repeated_header.xlsx": (
        "the header row pasted again below the second council (the rows below it were cut "
        "off without a word)",
        ("row 16", "field 'E-code'", "header row (row 13) is repeated"),
        None,
    ),
    "cut_off_row.csv": (
        "the slice as CSV, cut off part-way through its last council's row (no line end)",
        ("row 19", "ends part-way through this row"),
        None,
    ),
    "negative_borrowing.csv": (
        "a compiled CSV giving Adur's loans as -183832 (borrowing is never negative)",
        ("row 2", "field 'loans'", "negative value -183832", "cannot be negative"),
        None,
    ),
    "compiled_ecode_mismatch.csv": (
        "a compiled CSV giving Adur's row (ONS E07000223) Amber Valley's E-code E1031",
        ("row 2", "field 'la_code'", "E-code E1031", "belongs to Adur (E3831)"),
        None,
    ),
}


def slice_of_release(source: Path):
    from riskwatch.data.kit.opening import read_grids
    from riskwatch.data.kit.workbook import describe_sheet

    grids = read_grids(source / "revenue-outturn" / "rs2023_24.xlsx")
    grid = grids[SHEET]
    header = describe_sheet(SHEET, grid).header_row
    return grids, grid.iloc[: header + 1 + COUNCILS].reset_index(drop=True), header


def column_of(grid, header: int, code: str) -> int:
    for col in range(grid.shape[1]):
        if code in grid.iloc[:header, col].astype(str).tolist():
            return col
    raise KeyError(code)


def write_xlsx(sheets: dict, path: Path) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, grid in sheets.items():
            grid.to_excel(writer, sheet_name=name, header=False, index=False)


def retitle(grid, header: int, old: str, new: str):
    grid = grid.copy()
    grid.iloc[:header, :] = grid.iloc[:header, :].map(
        lambda v: v.replace(old, new) if isinstance(v, str) else v
    )
    return grid


def rescale(grid, header: int, factor: float):
    """Every numeric value cell below the header multiplied by `factor`."""
    grid = grid.copy()
    body = grid.iloc[header + 1 :, 7:]
    grid.iloc[header + 1 :, 7:] = body.map(
        lambda v: v * factor if isinstance(v, int | float) and not isinstance(v, bool) else v
    )
    return grid


def make(source: Path, out: Path) -> list[Path]:
    import pandas as pd

    grids, good, h = slice_of_release(source)
    nre = column_of(good, h, "C1R805")
    ctr = column_of(good, h, "C1R890")
    written: list[Path] = []

    def xlsx(name: str, grid, sheet: str = SHEET) -> None:
        write_xlsx({sheet: grid}, out / name)
        written.append(out / name)

    def raw(name: str, data: bytes) -> None:
        (out / name).write_bytes(data)
        written.append(out / name)

    xlsx("good.xlsx", good)
    raw("empty.xlsx", b"")
    raw("empty.csv", b"")
    xlsx("header_only.xlsx", good.iloc[: h + 1])
    raw(
        "header_only.csv",
        good.iloc[[h]].to_csv(header=False, index=False).encode("utf-8"),
    )
    renamed = good.copy()
    renamed.iat[h, 0] = "Authority code"
    xlsx("wrong_header.xlsx", renamed)
    names = good.iloc[h + 1 :, 2].tolist()
    spend = good.iloc[h + 1 :, nre].tolist()
    other = pd.DataFrame({"council": names, "year": "2023-24", "spend": spend})
    raw("wrong_header.csv", other.to_csv(index=False).encode("utf-8"))

    million = retitle(rescale(good, h, 1 / 1000), h, "£ thousand", "£ million")
    xlsx("units_million.xlsx", million)
    pounds = retitle(rescale(good, h, 1000), h, "£ thousand", "£")
    xlsx("units_pounds.xlsx", pounds)

    xlsx("duplicate_rows.xlsx", pd.concat([good, good.iloc[[-1]]], ignore_index=True))
    unknown = good.copy()
    unknown.iat[h + 2, 0] = "E9999"
    xlsx("unknown_code.xlsx", unknown)
    retired = good.copy()
    retired.iat[h + 2, 0], retired.iat[h + 2, 1] = "E2820", "E10000021"
    retired.iat[h + 2, 2], retired.iat[h + 2, 4], retired.iat[h + 2, 5] = (
        "Northamptonshire",
        "SC",
        "SC",
    )
    xlsx("retired_code.xlsx", retired)
    for name, text in (("inf_value.xlsx", "inf"), ("nan_value.xlsx", "NaN")):
        bad = good.copy()
        bad.iat[h + 3, nre] = text
        xlsx(name, bad)
    negative = good.copy()
    negative.iat[h + 3, ctr] = -abs(float(negative.iat[h + 3, ctr]))
    xlsx("negative_council_tax.xlsx", negative)
    xlsx("malformed_year.xlsx", retitle(good, h, "2023-24", "2023-25"))
    xlsx("future_year.xlsx", retitle(good, h, "2023-24", "2041-42"))

    blank = good.copy()
    blank.iat[h + 3, 0] = None
    xlsx("blank_code.xlsx", blank)
    unknown_class = good.copy()
    unknown_class.iat[h + 2, 0], unknown_class.iat[h + 2, 4] = "E9998", "ZZ"
    xlsx("unknown_class.xlsx", unknown_class)
    mismatch = good.copy()
    mismatch.iat[h + 2, 1] = mismatch.iat[h + 1, 1]
    xlsx("ons_mismatch.xlsx", mismatch)
    formula = good.copy()
    formula.iat[h + 3, nre] = "=1+1"  # openpyxl writes a text starting with '=' as a formula
    xlsx("formula_value.xlsx", formula)
    huge = good.copy()
    huge.iat[h + 3, nre] = 1e308
    xlsx("huge_value.xlsx", huge)
    xlsx("thousand_times.xlsx", rescale(good, h, 1000))
    xlsx("future_release_date.xlsx", retitle(good, h, "12 December 2024", "12 December 2099"))
    slip = good.copy()
    slip.iat[h + 3, nre] = float(slip.iat[h + 3, nre]) / 1000
    xlsx("nre_unit_slip.xlsx", slip)

    repeated = pd.concat([good.iloc[: h + 3], good.iloc[[h]], good.iloc[h + 3 :]])
    xlsx("repeated_header.xlsx", repeated.reset_index(drop=True))
    whole_csv = good.to_csv(header=False, index=False).encode("utf-8")
    last_row = whole_csv.rstrip(b"\n").rfind(b"\n") + 1
    raw("cut_off_row.csv", whole_csv[: last_row + 40])

    compiled = (source / COMPILED).read_text(encoding="utf-8").splitlines()[: 1 + COUNCILS]
    header, adur, amber_valley = compiled[0], compiled[1], compiled[2]
    assert adur.split(",")[1:3] == ["E07000223", "E3831"], adur
    assert amber_valley.split(",")[1:3] == ["E07000032", "E1031"], amber_valley
    renamed_nre = header.replace(",nre,", ",net_revenue,")
    raw("compiled_renamed_column.csv", "\n".join([renamed_nre, *compiled[1:]]).encode() + b"\n")
    assert adur.endswith(",183832"), adur
    negative = adur[: -len("183832")] + "-183832"
    raw("negative_borrowing.csv", "\n".join([header, negative, *compiled[2:]]).encode() + b"\n")
    mismatched = adur.replace(",E3831,", ",E1031,")
    raw(
        "compiled_ecode_mismatch.csv",
        "\n".join([header, mismatched, *compiled[2:]]).encode() + b"\n",
    )

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
        zipped.writestr("xl/worksheets/sheet1.xml", b"\0" * (65 * 2**20))
    raw("unpacks_too_far.xlsx", bomb.getvalue())

    whole = (out / "good.xlsx").read_bytes()
    raw("truncated.xlsx", whole[: len(whole) // 2])
    raw("binary.csv", whole)
    write_xlsx(
        {"Front_Page": grids["Front_Page"].iloc[:30], "Notes": grids["Notes"].iloc[:30]},
        out / "wrong_sheet.xlsx",
    )
    written.append(out / "wrong_sheet.xlsx")
    raw(
        "latin1.csv",
        good.to_csv(header=False, index=False).encode("cp1252", errors="replace"),
    )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    missing = set(CASES) - {p.name for p in make(args.source, args.out)}
    if missing:
        raise SystemExit(f"cases without a generated file: {', '.join(sorted(missing))}")
    for path in sorted(args.out.glob("*.*")):
        if path.suffix != ".py":
            print(f"{path.stat().st_size:>8,}  {path.name}")


if __name__ == "__main__":
    main()
