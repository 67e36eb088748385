"""The embedded tables equal a rebuild from the public files, and `data check` reports them."""

import io
import json
import subprocess
import sys

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def rebuilt(shared_data):
    from riskwatch.data.build import build_tables

    return build_tables(shared_data)


@pytest.mark.slow  # rebuilds every table from the public files
def test_rebuild_equals_what_is_shipped(rebuilt, tables):
    assert set(rebuilt) == set(tables)
    for name, frame in rebuilt.items():
        frame = pd.read_parquet(io.BytesIO(frame.to_parquet(index=False)))  # as it would ship
        shipped = tables[name]
        pd.testing.assert_frame_equal(
            frame.reset_index(drop=True),
            shipped.reset_index(drop=True),
            check_dtype=False,
            obj=name,
        )


@pytest.mark.slow  # end-to-end CLI run
def test_data_check_json_reports_years_councils_measures_and_events():
    out = subprocess.run(
        [sys.executable, "-m", "riskwatch.cli", "data", "check", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(out.stdout)
    years = summary["outturn_years"]
    # RS workbooks 2007-08 to 2023-24 (the compiled 2024-25 revenue figures are RA budgets)
    assert len(years) == 17 and years[0] == "2007-08" and years[-1] == "2023-24"
    assert summary["councils"] >= 350
    for measure in (
        "RS:net_revenue_expenditure",
        "RS:net_current_expenditure",
        "RS:mrp",
        "RS:interest_payable",
        "RS:investment_income",
        "RS:council_tax_requirement",
        "RS:reserves_unallocated_close",
        "RS:reserves_earmarked_open",
        "RS:reserves_schools_close",
        "RS:reserves_public_health_close",
        "RS:adult_social_care_nce",
        "RA:reserves_unallocated_close",
        "RSX:children_social_care_nce",
    ):
        assert measure in summary["measures"], measure
    coverage = summary["measures"]["RS:net_revenue_expenditure"]["coverage"]
    assert min(coverage.values()) > 0.9
    assert summary["events"]["rows"] == 106
    assert any("missing return: Birmingham" in w for w in summary["warnings"])
    # As published: Plymouth's 2023-24 return states a general fund of -£64.6m on both dates.
    assert (
        "negative general fund balance: Plymouth UA (E06000026) RS 2023-24: "
        "-£64.6m at 1 April, -£64.6m at 31 March" in summary["warnings"]
    )
    sources = summary["sources"]
    for source in ("COR", "BI", "CTR", "CSP", "DSG", "OFSTED", "DFE_CSC", "OFLOG_ASC", "DEFRA"):
        assert sources[source]["authorities"] > 100, source
        assert sources[source]["years"], source
    assert sources["COR"]["years"][-1] == "2024-25"  # compiled COR C figures after 2018-19
    compiled = summary["compiled"]
    assert min(compiled["debt_coverage"]["cfr"][y] for y in years[1:]) >= 0.95
    assert compiled["overlap_with_mhclg_files"]["agree"] >= 680
    assert any("Cumberland" in w and "interest_payable" in w for w in compiled["implausible"])
    assert sources["DFE_CSC"]["unmatched_rows"] > 0  # joint and re-coded returns, reported
    per_class = summary["councils_per_year_and_class"]["2022-23"]
    assert per_class["L"] == 33
    verification = summary["verification"]  # the sample shipped in the package is read
    assert (
        verification["verified"] and verification["by_form_and_year"]["RS 2017-18"]["revised"] == 8
    )
