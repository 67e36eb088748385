"""What each real as-of year has seen (`Sightings`: the earliest year held, the councils of
each outturn source, so the returns carried) equals the real panel's rows seen by its
as-of date, worked out plainly in pandas. It decides which year every outturn line is
read at, so a wrong count moves whole columns of the frames."""

from riskwatch.features.seen import Releases, check_seen_by
from seen_helpers import seen_plainly

from riskwatch.pipeline import score_years


def test_what_each_real_year_has_seen_equals_its_rows(tables):
    seen = Releases(tables["panel"]).seen
    years = score_years(tables)
    for as_of in years:
        date = check_seen_by(as_of, None)
        assert seen.at(as_of, date) == seen_plainly(tables["panel"], as_of, date)
    latest = seen.at(years[-1], check_seen_by(years[-1], None))
    assert latest.carried(years[-1]).get("RS") == 1  # RS 2024-25 is not held: 2023-24 is read
