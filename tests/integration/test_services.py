"""Service-performance readers on the real files: golden numbers, cross-checks, bad files.

Golden figures were read by hand from the cell or line named in each comment.
Each source is read once per module (the Ofsted workbooks are large).
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from riskwatch.data.kit import authority_index, opening
from riskwatch.data.kit import panel_rows as service_frames
from riskwatch.data.schema import AUTHORITY_COLUMNS, PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.data.sources import defra_recycling, dfe_social_care, oflog_adult_social_care
from riskwatch.data.sources import ofsted as ofsted_reader
from riskwatch.errors import RiskwatchError

LA_CODE = re.compile(r"\bE0[6-9]\d{6}\b")  # a row of one authority (Oflog: year, code)


@pytest.fixture(scope="module")
def authorities(tables) -> pd.DataFrame:
    return tables["authorities"]


@pytest.fixture(scope="module")
def ofsted(shared_data, authorities):
    return ofsted_reader.read_ofsted(shared_data, authorities)


@pytest.fixture(scope="module")
def csc(shared_data, authorities):
    return dfe_social_care.read_children_social_care(shared_data, authorities)


@pytest.fixture(scope="module")
def asc(shared_data, authorities):
    return oflog_adult_social_care.read_adult_social_care(shared_data, authorities)


@pytest.fixture(scope="module")
def recycling(shared_data, authorities):
    return defra_recycling.read_recycling(shared_data, authorities)


def one(values: pd.DataFrame, **where) -> pd.Series:
    rows = values
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# ------------------------------------------------------------------ contract
@pytest.mark.parametrize("reader", ["ofsted", "csc", "asc", "recycling"])
def test_every_reader_keeps_the_panel_contract(reader, request):
    values, unmatched = request.getfixturevalue(reader)
    assert list(values.columns) == PANEL_COLUMNS
    assert list(unmatched.columns) == UNMATCHED_COLUMNS
    assert values["financial_year"].str.fullmatch(r"20\d\d-\d\d").all()
    assert values["status"].isin(["reported", "not_available"]).all()
    assert values.loc[values["status"] == "reported", "value"].notna().all()
    assert values["published_basis"].isin(["file", "rule"]).all()
    assert (values["published"] >= values["period_end"]).all()
    assert values["ecode"].isna().all()
    key = ["gss_code", "financial_year", "indicator", "vintage"]
    assert not values.duplicated(key).any()


# ------------------------------------------------------------------ Ofsted
def test_ofsted_golden_judgements_with_publication_dates(ofsted):
    values, _ = ofsted
    # LA_Inspection_Outcomes_as_at_31_March_2025.ods, ILACS_inspection_history, row 15:
    # Birmingham E08000025, inspection date 2023-02-20, publication date 2023-04-18, Good.
    row = one(values, gss_code="E08000025", indicator="ofsted_overall", published="2023-04-18")
    assert row["value"] == 2 and row["unit"] == "grade_1_4"
    assert row["period_end"] == "2023-02-20"
    assert row["financial_year"] == "2023-24"  # the year it became known, not inspected
    assert row["published_basis"] == "file"
    # Childrens_social_care_in_England_2023_underlying_data.ods, LA_inspections_2009-2023,
    # row 12 (Birmingham): First SIF publication date 2014-05-23, Overall Judgement Inadequate.
    row = one(values, gss_code="E08000025", indicator="ofsted_overall", financial_year="2014-15")
    assert (row["value"], row["published"]) == (4, "2014-05-23")
    flag = one(
        values, gss_code="E08000025", indicator="ofsted_inadequate", financial_year="2014-15"
    )
    assert flag["value"] == 1 and flag["unit"] == "flag"


def test_judgements_belong_to_the_authority_existing_at_publication(ofsted):
    values, unmatched = ofsted
    overall = values[values["indicator"] == "ofsted_overall"]
    # LA_inspections_2009-2023 row 23, Buckinghamshire: SIF 2014-08-08 Inadequate is the
    # county council's (E10000002); ILACS 2022-02-11 is the unitary's (E06000060, 2020).
    assert one(overall, published="2014-08-08", value=4.0)["gss_code"] == "E10000002"
    assert one(overall, published="2022-02-11", gss_code="E06000060")["value"] == 3
    # ILACS history row 166 lists North Yorkshire's 2018 judgement under E06000065 (2023).
    assert one(overall, published="2018-08-06", value=1.0)["gss_code"] == "E10000023"
    # The table of former authorities (row 163) is the old Dorset county, not Dorset UA.
    assert one(overall, published="2016-05-23", value=3.0)["gss_code"] == "E10000009"
    assert unmatched.empty


def test_the_two_ofsted_releases_agree_on_ilacs_judgements(shared_data, authorities):
    index = authority_index.AuthorityIndex(authorities)
    ilacs = ofsted_reader.read_ilacs_history(shared_data / ofsted_reader.OFSTED_ILACS)
    aliases = authority_index.name_aliases(ilacs)
    ilacs["gss_code"] = index.codes_in_year(ilacs)
    later, _ = authority_index.attach_codes(ilacs, index)
    history = ofsted_reader.read_ofsted_frameworks(shared_data / ofsted_reader.OFSTED_HISTORY)
    earlier, lost = ofsted_reader.attach_names(history, index, aliases, "2023")
    earlier = earlier[earlier["ilacs"]]
    pairs = earlier.merge(later, on=["gss_code", "financial_year"], suffixes=("_23", "_25"))
    assert lost.empty and len(pairs) == len(earlier) == 177
    assert (pairs["value_23"] == pairs["value_25"]).all()
    dates = pairs[pairs["published_23"] != pairs["published_25"]]
    # Nottingham's 2022 report: 2022-11-05 in the 2023 release, 2022-09-05 (inspected
    # 2022-07-11) in the 2025 release; the 2025 date is the one read.
    assert dates[["gss_code", "published_23", "published_25"]].values.tolist() == [
        ["E06000018", "2022-11-05", "2022-09-05"]
    ]


def test_without_an_authority_table_unresolved_names_are_reported(shared_data):
    values, unmatched = ofsted_reader.read_ofsted(shared_data)
    # Poole (abolished 2019) is in neither the 2025 release nor any other name list.
    assert set(unmatched["name"]) == {"Poole"}
    assert unmatched["reason"].str.contains("name-code pairs").all()
    assert values["gss_code"].str.fullmatch(r"E\d{8}").all()


# ------------------------------------------------------------------ matching
def small_authorities(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["gss_code", "former_gss_codes", "name", "class", "first_year", "last_year"]
    )
    frame["ecode"], frame["successor_gss"] = "E0000", ""
    return frame[AUTHORITY_COLUMNS]


def test_name_key_normalises_only_style(monkeypatch):
    key = authority_index.name_key
    assert key("Bath & North East Somerset UA") == key("Bath and North East Somerset")
    assert key("Bristol, City of") == key("Bristol UA")
    assert key("Derby City UA") == key("Derby")
    assert key("Telford & the Wrekin UA") == key("Telford and Wrekin")
    assert key("Bedford Borough") == key("Bedford UA")
    # The authority table's "Medway Towns UA" (from the revenue returns) is Ofsted's
    # "Medway" (2009-2023 table, row 83) through the alias table only, never a fuzzy rule.
    assert key("Medway Towns UA") == key("Medway")
    monkeypatch.setattr(authority_index, "NAME_ALIASES", {})
    assert key("Medway Towns UA") != key("Medway")


def test_the_publishers_names_of_medway_and_newcastle_find_the_council(authorities):
    # The authority table names them as the revenue returns do ("Medway Towns UA",
    # "Newcastle"); Ofsted's 2009-2023 table (rows 83 and 87) and the DfE as "Medway"
    # and "Newcastle upon Tyne". Found by name alone, without a coded file's name list.
    index = authority_index.AuthorityIndex(authorities)
    assert index.by_name("Medway", "2015-16", upper_tier=True).gss_code == "E06000035"
    newcastle = index.by_name("Newcastle upon Tyne", "2015-16", upper_tier=True)
    assert newcastle.gss_code == "E08000021"
    assert index.by_name("Newcastle-under-Lyme", "2015-16").gss_code == "E07000195"


def test_former_codes_map_to_the_current_code_and_unknown_codes_are_reported():
    authorities = small_authorities(
        [
            ("E06000057", "E06000048", "Northumberland UA", "UA", "2009-10", "2024-25"),
            ("E08000037", "E08000020", "Gateshead", "MD", "2007-08", "2024-25"),
        ]
    )
    index = authority_index.AuthorityIndex(authorities)
    frame = service_frames.panel_rows(
        [
            {"code": code, "name": "", "row": row, "value": 1.0, "indicator": "x"}
            for row, code in enumerate(["E06000048", "E08000020", "E08000037", "E09000099"], 2)
        ],
        source="T",
        source_file="t.csv",
    )
    values, unmatched = authority_index.attach_codes(frame, index)
    assert values["gss_code"].tolist() == ["E06000057", "E08000037", "E08000037"]
    assert unmatched[["row", "code"]].values.tolist() == [[5, "E09000099"]]


def test_names_are_never_guessed_between_two_live_authorities():
    authorities = small_authorities(
        [
            ("E10000009", "", "Dorset", "SC", "2007-08", "2018-19"),
            ("E06000059", "", "Dorset UA", "UA", "2019-20", "2024-25"),
            ("E06000098", "", "Twin", "UA", "2007-08", "2024-25"),
            ("E06000099", "", "Twin UA", "UA", "2007-08", "2024-25"),
        ]
    )
    index = authority_index.AuthorityIndex(authorities)
    assert index.by_name("Dorset", "2016-17", upper_tier=True).gss_code == "E10000009"
    assert index.by_name("Dorset", "2021-22", upper_tier=True).gss_code == "E06000059"
    twin = index.by_name("Twin", "2020-21", upper_tier=True)
    assert twin.gss_code is None and "several" in twin.problem
    assert "matches no authority" in index.by_name("Medway", "2020-21").problem


# ------------------------------------------------------------ DfE children's social care
def test_rereferral_rate_golden(csc):
    values, _ = csc
    # c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv, line 404:
    # 2023, Birmingham E08000025, rereferral_percent 19.7 (year to 31 March 2023).
    row = one(
        values, gss_code="E08000025", indicator="cin_rereferral_rate", financial_year="2022-23"
    )
    assert math.isclose(row["value"], 19.7)
    assert (row["unit"], row["period_end"], row["published"]) == (
        "percent",
        "2023-03-31",
        "2023-11-30",
    )
    assert row["source"] == "DFE_CSC" and row["published_basis"] == "rule"


def test_dfe_files_keep_local_authority_rows_and_their_periods(csc):
    values, _ = csc
    counts = values.groupby("indicator")["gss_code"].nunique()
    assert counts.between(150, 165).all(), counts  # no national or regional rows
    workforce = values[values["indicator"] == "sw_turnover_rate"]
    assert set(workforce["period_end"].str[5:]) == {"09-30"}  # census at 30 September
    assert one(workforce, gss_code="E08000025", period_end="2024-09-30")["financial_year"] == (
        "2024-25"
    )
    cla = values[values["indicator"] == "cla_rate_per_10k"]
    assert cla["financial_year"].min() == "2019-20" and len(cla) == 775
    suppressed = values[values["status"] == "not_available"]
    assert suppressed["value"].isna().all() and len(suppressed) > 0


def test_joint_workforce_returns_and_new_codes_are_reported_not_split(csc):
    _, unmatched = csc
    joint = unmatched[unmatched["code"].str.contains("/")]
    assert set(joint["name"]) == {
        "Kingston upon Thames / Richmond upon Thames",
        "North Northamptonshire / West Northamptonshire",
    }
    # Barnsley and Sheffield carry new 2025 codes in the 2025 workforce census only.
    assert set(unmatched.loc[~unmatched["code"].str.contains("/"), "code"]) == {
        "E08000038",
        "E08000039",
    }


# ------------------------------------------------------------ adult social care
def test_asc5_is_ascof_2d(asc, shared_data):
    values, _ = asc
    ascof = pd.read_excel(
        shared_data
        / oflog_adult_social_care.ASC_DIR
        / "meas-from-asc-of-eng-2021-open-data-csv_v2.xlsx"
    )
    d2 = ascof[
        (ascof["ASCOF Measure Code"] == "2D")
        & (ascof["Measure Type"] == "Outcome")
        & (ascof["Disaggregation Level"] == "Total")
    ]
    d2 = d2.assign(v=pd.to_numeric(d2["Measure Value"], errors="coerce")).dropna(subset=["v"])
    ours = values[
        (values["indicator"] == "asc5_short_term_no_further_support")
        & (values["financial_year"] == "2020-21")
    ]
    pairs = ours.merge(d2, left_on="gss_code", right_on="ONS Code")
    assert len(pairs) >= 145
    assert (pairs["value"] - pairs["v"]).abs().max() < 1e-9


def test_asc2_is_on_the_scale_of_ascof_1j_not_1a(asc):
    values, _ = asc
    asc2 = values[values["indicator"] == "asc2_quality_of_life_impact"].dropna(subset=["value"])
    # NHS Digital ASCOF 2020-21: 1J ranges 0.381-0.455 by council, 1A (out of 24) 18.5-19.6.
    medians = asc2.groupby("financial_year")["value"].median()
    assert medians.between(0.381, 0.455).all()
    assert asc2["value"].between(0, 1).all()
    assert "2020-21" not in set(asc2["financial_year"])  # the survey year with 18 councils
    # oflog_ASC_data.csv line 962: 2019-20, E10000016 Kent, ASC2, Value 0 (ASC3 blank).
    kent = one(
        values, gss_code="E10000016", indicator=asc2["indicator"].iloc[0], financial_year="2019-20"
    )
    assert kent["status"] == "not_available" and math.isnan(kent["value"])


# ------------------------------------------------------------------ recycling
def test_recycling_golden_in_both_units(recycling):
    values, _ = recycling
    hartlepool = values[
        (values["gss_code"] == "E06000001") & (values["financial_year"] == "2015-16")
    ]
    by_file = dict(zip(hartlepool["source_file"], hartlepool["value"], strict=True))
    # recycling_2010-11_to_2017-18_fraction.csv line 1782: E06000001,Hartlepool,2015-16,..,0.359
    assert math.isclose(by_file["recycling_2010-11_to_2017-18_fraction.csv"], 35.9)
    # recycling_2015-16_to_2023-24_percent.csv line 224: E06000001, 2015/16, 35.9
    assert math.isclose(by_file["recycling_2015-16_to_2023-24_percent.csv"], 35.9)
    assert set(hartlepool["unit"]) == {"percent"} and hartlepool["vintage"].nunique() == 2


def test_the_two_recycling_vintages_agree_on_their_overlap(recycling):
    values, _ = recycling
    old, new = (values[values["source_file"] == name] for name in defra_recycling.RECYCLING_FILES)
    pairs = old.merge(new, on=["gss_code", "financial_year"], suffixes=("_old", "_new"))
    assert sorted(pairs["financial_year"].unique()) == ["2015-16", "2016-17", "2017-18"]
    gap = (pairs["value_old"] - pairs["value_new"]).abs()
    # The newer file rounds to 0.1 point; the older holds 2017-18 unrounded.
    assert len(pairs) == 833 and (gap <= 0.05 + 1e-9).sum() == 831
    revised = pairs.loc[gap > 0.05, ["gss_code", "financial_year"]].values.tolist()
    assert revised == [["E09000006", "2016-17"], ["E07000180", "2017-18"]]  # Bromley, Vale of WH
    assert values["gss_code"].str.startswith("E").all()


def test_fast_ods_reader_matches_pandas(shared_data):
    path = shared_data / ofsted_reader.OFSTED_ILACS
    ours = opening.read_ods_sheet(path, ofsted_reader.OFSTED_ILACS_SHEET)
    theirs = pd.read_excel(
        path, sheet_name=ofsted_reader.OFSTED_ILACS_SHEET, header=None, engine="odf"
    )

    def cells(frame: pd.DataFrame) -> list[list]:
        return [[None if pd.isna(v) else v for v in row] for row in frame.to_numpy().tolist()]

    assert ours.shape == theirs.shape and cells(ours) == cells(theirs)


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_a_fraction_file_holding_percentages_is_refused(tmp_path):
    path = tmp_path / "recycling_2010-11_to_2017-18_fraction.csv"
    _write_csv(
        path, [["area_code", "area_name", "period", "value"], ["E06000001", "X", "2015-16", "35.9"]]
    )
    with pytest.raises(RiskwatchError, match="fractions"):
        defra_recycling.read_recycling_file(path)
