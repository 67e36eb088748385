"""The panel against the independent line-by-line reading of MHCLG's returns
(riskwatch/data/verification/rs-lines-sample.csv): every value both hold agrees, or differs
by a known revision."""

from __future__ import annotations

import pandas as pd
import pytest

from riskwatch.data.check.report import data_summary
from riskwatch.data.check.verification import (
    compare,
    panel_measure,
    read_sample,
    verification_summary,
)


@pytest.fixture(scope="module")
def sample():
    found = read_sample()
    assert found is not None, "the verification sample ships in the package"
    return found


@pytest.fixture(scope="module")
def sampled_panel(tables, sample):
    """The embedded panel's rows of the sampled councils (the rest cannot be compared)."""
    panel = tables["panel"]
    return panel[panel["gss_code"].isin(set(sample["gss_code"]))]


@pytest.mark.parametrize(
    ("line", "measure"),
    [
        (("RS", "805", "1", "RS_netrevexp_net_exp", "2019-20"), ("RS", "net_revenue_expenditure")),
        (("RS", "781", "1", "RS_intextpay_net_exp", "2019-20"), ("RS", "interest_payable")),
        # line 915 is the earmarked level as reported (unadjusted from 2021-22), not 915b
        (("RS", "915", "3", "RS_resoth_end_cy", "2022-23"), ("RS", "reserves_earmarked_close")),
        (
            ("RSX", "330", "7", "RSX_csc_net_cur_exp", "2023-24"),
            ("RSX", "children_social_care_nce"),
        ),
        (("PRU1", "R12", "C01", "PRU1_prucfrend_amt", "2020-21"), ("COR", "cfr_close")),
        (
            ("PRU2T1", "R03", "C04", "PRU2T1_prubrwgrscrdt_end", "2020-21"),
            ("COR", "gross_external_debt_close"),
        ),
        (
            ("PRU2T2", "R02", "C03", "PRU2T2_prulmt_end", "2024-25"),
            ("COR", "authorised_limit_close"),
        ),
        (("detail.forward", "Usable reserves", "f=false", "FWD_usable_reserves", "2020-21"), None),
    ],
)
def test_sample_lines_map_through_the_readers_catalogues(line, measure):
    assert panel_measure(*line) == measure


def test_embedded_panel_agrees_with_the_verification_sample(sampled_panel, sample):
    disagreements = verification_summary(sampled_panel, sample)["disagreements"]
    assert disagreements == []


def test_the_check_catches_the_compiled_budget_figures_held_as_outturn(sampled_panel, sample):
    """Before issue 18's fix the compiled 2024-25 interest was stored as RS outturn: Thurrock's
    18,556, its RA 2024-25 budget (the panel's compiled RA row, relabelled RS as it was read),
    against RS line 781's outturn of 82,538. The check must show it as a disagreement."""
    budget = sampled_panel[
        (sampled_panel["gss_code"] == "E06000034")
        & (sampled_panel["source"] == "RA")
        & (sampled_panel["indicator"] == "interest_payable")
        & (sampled_panel["financial_year"] == "2024-25")
    ]
    assert budget["value"].tolist() == [18556.0]
    as_read_before = pd.concat([sampled_panel, budget.assign(source="RS")], ignore_index=True)
    pairs = compare(as_read_before, sample)
    thurrock = pairs[
        (pairs["name"] == "Thurrock")
        & (pairs["row"] == "781")
        & (pairs["financial_year"] == "2024-25")
    ]
    assert thurrock["outcome"].tolist() == ["disagree"]
    assert thurrock["value_gbp_thousand"].tolist() == [82538.0]


def test_a_changed_value_is_a_disagreement(sampled_panel, sample):
    panel = sampled_panel.copy()
    row = (
        (panel["gss_code"] == "E06000034")  # Thurrock
        & (panel["source"] == "RS")
        & (panel["indicator"] == "council_tax_requirement")
        & (panel["financial_year"] == "2019-20")
    )
    assert row.sum() == 1
    before = verification_summary(panel, sample)["totals"]["disagree"]
    panel.loc[row, "value"] += 5.0  # £5k off
    after = verification_summary(panel, sample)
    assert after["totals"]["disagree"] == before + 1
    assert [d["name"] for d in after["disagreements"] if d["financial_year"] == "2019-20"] == [
        "Thurrock"
    ]


def test_the_2017_18_revisions_are_known_not_disagreements(sampled_panel, sample):
    summary = verification_summary(sampled_panel, sample)
    assert summary["by_form_and_year"]["RS 2017-18"] == {
        "agree": 160,
        "revised": 8,
        "disagree": 0,
        "not_held": 0,
    }
    assert {r["vintage"] for r in summary["revisions"]} == {
        "RS 2017-18 release 1 (RS_2017-18_data_by_LA_PRENOV.xlsx)"
    }


def test_an_absent_sample_is_said_never_passed(tables, sampled_panel):
    summary = data_summary({**tables, "panel": sampled_panel}, None)
    assert summary["verification"]["verified"] is False
    assert any("the panel is NOT verified" in w for w in summary["warnings"])
