"""The failure label: counted events only, dated by when they became known."""

import pandas as pd

from riskwatch.labels import failed_by, failure_events, first_failure_year, outcomes, shift_year


def test_only_counted_council_events_dated_by_when_known(tables):
    failures = failure_events(tables["events"])
    events = tables["events"]
    assert len(failures) == int((events.counts_as_failure & (events.body_type == "council")).sum())
    assert "E47000002" not in set(failures.gss_code)  # a combined authority
    assert "E09000004" not in set(failures.gss_code)  # Bexley: support requested then withdrawn
    slough = failures[(failures.gss_code == "E06000039") & (failures.event == "efs")]
    # Slough's support for 2020-21 was agreed in 2022-23: it counts then, not in 2020-21
    assert slough.loc[slough.financial_year == "2020-21", "known_year"].item() == "2022-23"
    first = first_failure_year(failures)
    assert first["E06000039"] == "2021-22"  # Slough's Section 114 notice, July 2021
    assert first["E10000021"] == "2017-18"  # Northamptonshire, February 2018
    assert first["E08000025"] == "2023-24"  # Birmingham: its notice, not the retrospective EFS


def test_outcome_window_and_past_failures(tables):
    failures = failure_events(tables["events"])
    codes = pd.Series(["E07000217", "E09000008", "E06000001"])  # Woking, Croydon, Hartlepool
    assert outcomes(codes, "2021-22", 2, failures).tolist() == [1, 1, 0]
    assert outcomes(codes, "2021-22", 1, failures).tolist() == [0, 1, 0]
    assert failed_by(codes, "2021-22", failures).tolist() == [False, True, False]
    assert shift_year("2019-20", 3) == "2022-23" and shift_year("2009-10", -2) == "2007-08"
