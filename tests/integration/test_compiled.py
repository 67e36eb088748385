"""The compiled debt and outturn reader: golden numbers cited to source rows, error tokens
kept as missing, point in time, and layouts it does not know refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from riskwatch.features import build_features

from riskwatch.data.sources.compiled import read_compiled_file
from riskwatch.errors import RiskwatchError

FOLDER = "debt-and-outturn-compiled"
OUTTURN = "outturn-and-capital_2024-25_councils.csv"
CAPITAL = "capital_2019-20_to_2023-24_councils.csv"
BY_LENDER = "borrowing-by-lender_2025-12-31_councils_GBP_million.csv"
WOKING, THURROCK, OXFORD, BRENTWOOD, DERBYSHIRE = (
    "E07000217",
    "E06000034",
    "E07000178",
    "E07000068",
    "E10000007",
)


@pytest.fixture(scope="module")
def compiled(shared_data: Path) -> dict[str, pd.DataFrame]:
    return {
        name: read_compiled_file(shared_data / FOLDER / name)
        for name in (OUTTURN, CAPITAL, BY_LENDER)
    }


def value(rows: pd.DataFrame, gss: str, source: str, indicator: str, year: str) -> pd.Series:
    found = rows[
        (rows["gss_code"] == gss)
        & (rows["source"] == source)
        & (rows["indicator"] == indicator)
        & (rows["financial_year"] == year)
    ]
    assert len(found) == 1, (gss, indicator, year)
    return found.iloc[0]


def test_golden_2024_25_budget_and_capital(compiled):
    rows = compiled[OUTTURN]
    # outturn-and-capital_2024-25_councils.csv row 309 (Woking): cfr 2274515, nre -14259,
    # interest 64043, reserves 49452, external_debt 2176291. nre and interest are RA 2024-25
    # budget figures (PROVENANCE.md's correction), published with RA 2024-25 (revised
    # 3 October 2024); reserves matches no RS sum and is not read.
    assert value(rows, WOKING, "COR", "cfr_close", "2024-25")["value"] == 2_274_515
    budget = value(rows, WOKING, "RA", "net_revenue_expenditure", "2024-25")
    assert budget["value"] == -14_259
    assert (budget["published"], budget["vintage"].split(" compiled")[0]) == (
        "2024-10-03",
        "RA 2024-25",
    )
    assert value(rows, WOKING, "RA", "interest_payable", "2024-25")["value"] == 64_043
    # Thurrock row 274: interest 18556 = its RA 2024-25 budget interest (RS outturn 82,538)
    assert value(rows, THURROCK, "RA", "interest_payable", "2024-25")["value"] == 18_556
    assert not rows["source"].eq("RS").any()
    assert not rows["indicator"].str.startswith("reserves").any()
    assert value(rows, WOKING, "COR", "gross_external_debt_close", "2024-25")["value"] == 2_176_291
    cfr = value(rows, WOKING, "COR", "cfr_close", "2024-25")
    assert (cfr["unit"], cfr["period_end"], cfr["published"]) == (
        "GBP_thousand",
        "2025-03-31",
        "2025-12-31",  # MHCLG published RS and COR 2024-25 in December 2025
    )


def test_golden_capital_series(compiled):
    rows = compiled[CAPITAL]
    # capital_2019-20_to_2023-24_councils.csv row 103 (Thurrock, 202003): short_term_loans
    # 1061200, loans 1413489, equal to the BI Q4 2019-20 table
    short = value(rows, THURROCK, "BI", "borrowing_short_term", "2019-20")
    assert short["value"] == 1_061_200
    assert short["period_end"] == "2020-03-31"
    assert value(rows, THURROCK, "BI", "borrowing_total", "2019-20")["value"] == 1_413_489
    # row 1584 (Woking, 202403): cfr 2214291
    assert value(rows, WOKING, "COR", "cfr_close", "2023-24")["value"] == 2_214_291


def test_golden_borrowing_by_lender_in_millions(compiled):
    rows = compiled[BY_LENDER]
    # borrowing-by-lender_2025-12-31_councils_GBP_million.csv row 274 (Thurrock): bor_total
    # 831.318, bor_pwlb 812.318 (in £ million)
    total = value(rows, THURROCK, "BI", "borrowing_total", "2025-26")
    assert total["value"] == pytest.approx(831.318)
    assert (total["unit"], total["period_end"]) == ("GBP_million", "2025-12-31")
    assert total["published"] == "2026-06-30"
    assert value(rows, THURROCK, "BI", "borrowing_pwlb", "2025-26")["value"] == pytest.approx(
        812.318
    )


def test_error_tokens_are_missing_with_a_status_never_zero(compiled):
    rows = compiled[OUTTURN]
    # row 30 (Brentwood): nre '#VALUE!', interest '[x]'
    nre = value(rows, BRENTWOOD, "RA", "net_revenue_expenditure", "2024-25")
    interest = value(rows, BRENTWOOD, "RA", "interest_payable", "2024-25")
    assert np.isnan(nre["value"]) and nre["status"] == "source_error"
    assert np.isnan(interest["value"]) and interest["status"] == "missing_return"
    # row 70 (Derbyshire): capital '[x]'
    cfr = value(rows, DERBYSHIRE, "COR", "cfr_close", "2024-25")
    assert np.isnan(cfr["value"]) and cfr["status"] == "missing_return"
    assert not ((rows["status"] != "reported") & (rows["value"] == 0)).any()


def test_unknown_layout_and_missing_column_are_refused(tmp_path, shared_data):
    source = (shared_data / FOLDER / CAPITAL).read_text().splitlines()
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("\n".join([source[0].replace("cfr", "capital_req"), *source[1:3]]) + "\n")
    with pytest.raises(
        RiskwatchError,
        match=r"renamed\.csv: row 1: field 'cfr': unknown compiled layout: .*missing cfr, unexpected capital_req",
    ):
        read_compiled_file(renamed)
    bad_period = tmp_path / "period.csv"
    bad_period.write_text("\n".join([source[0], source[1].replace("202003", "2020-03", 1)]) + "\n")
    with pytest.raises(RiskwatchError, match=r"period\.csv: row 2: field 'year'"):
        read_compiled_file(bad_period)
    bad_value = tmp_path / "value.csv"
    bad_value.write_text("\n".join([source[0], source[1].replace(",952,", ",n0ne,", 1)]) + "\n")
    with pytest.raises(RiskwatchError, match=r"value\.csv: row 2: field 'mrp': non-numeric"):
        read_compiled_file(bad_value)


def test_compiled_year_is_seen_only_once_published(tables):
    """2024-25 figures (published December 2025) are not seen as of 2023-24; the position
    at 31 December 2025 is not seen as of 2024-25 (a 2025-26 value, public in 2026)."""
    panel, years = tables["panel"], tables["authority_years"]
    as_of_2023 = build_features(panel, years, "2023-24").set_index("gss_code")
    as_of_2024 = build_features(panel, years, "2024-25").set_index("gss_code")
    # Woking's CFR: £2,214,291k at 31 March 2024, £2,274,515k at 31 March 2025
    assert as_of_2023.loc[WOKING, "cfr"] == pytest.approx(2_214_291)
    assert as_of_2024.loc[WOKING, "cfr"] == pytest.approx(2_274_515)
    assert as_of_2024.loc[WOKING, "cfr_growth_1y_pct"] == pytest.approx(
        (2_274_515 / 2_214_291 - 1) * 100
    )
    # Thurrock: loans £1,236,889k at 31 March 2024 (row 1455) over 2023-24 NRE £123,802k
    # (rs2023_24.xlsx), not the £831.3m of December 2025
    assert as_of_2023.loc[THURROCK, "borrowing_pct_nre"] == pytest.approx(1_236_889 / 123_802 * 100)


def test_latest_borrowing_position_is_a_dated_feature_of_the_review_date(tables, shared_data):
    """Scored as of 2024-25 by a review in November 2026, the position at 31 December 2025
    (public in 2026) is the latest known; seen on 2024-25's own as-of date it is 31 March 2025.
    Nothing but the dated-position features changes."""
    panel, years = tables["panel"], tables["authority_years"]
    own_date = build_features(panel, years, "2024-25").set_index("gss_code")
    review = build_features(panel, years, "2024-25", seen_by="2026-11-30").set_index("gss_code")
    # Thurrock: £831.318m at 31 December 2025 (by-lender row 274) over its latest outturn
    # NRE, 2023-24's £123,802k (rs2023_24.xlsx): RS 2024-25 is not held, and the compiled
    # £147,298k is its 2024-25 budget, never a denominator
    assert review.loc[THURROCK, "latest_borrowing_pct_nre"] == pytest.approx(
        831.318e6 / 123_802e3 * 100
    )
    assert review.loc[THURROCK, "revenue_outturn_years_back"] == 1
    assert review.loc[THURROCK, "latest_borrowing_months_after_year"] == 9
    assert review.loc[THURROCK, "latest_la_borrowing_share"] == pytest.approx(0.0)
    # Woking: none of its £2,163.564m from other councils at 31 December 2025 (row 309)
    assert review.loc[WOKING, "latest_la_borrowing_share"] == pytest.approx(0.0)
    assert review.loc[WOKING, "latest_short_term_borrowing_share"] == pytest.approx(0.0)
    assert own_date.loc[THURROCK, "latest_borrowing_months_after_year"] == 0
    # outturn-and-capital row 274: loans at 31 March 2025
    loans = float((shared_data / FOLDER / OUTTURN).read_text().splitlines()[273].split(",")[-1])
    assert own_date.loc[THURROCK, "latest_borrowing_pct_nre"] == pytest.approx(
        loans / 123_802 * 100
    )
    dated = [c for c in review.columns if c.startswith("latest_")]
    pd.testing.assert_frame_equal(review.drop(columns=dated), own_date.drop(columns=dated))


def test_a_review_date_before_the_year_was_published_is_refused(tables):
    with pytest.raises(RiskwatchError, match=r"seen-by date '2025-06-30' should be an ISO date"):
        build_features(tables["panel"], tables["authority_years"], "2024-25", seen_by="2025-06-30")
