"""Checks of the tables: plausibility, definition breaks, the compiled figures and the independent verification sample, as `data check` reports them."""

from riskwatch.data.check.report import *  # noqa: F403
