"""Column contracts of the tidy tables every reader produces and every stage reads."""

from __future__ import annotations

# One row per authority, financial year, indicator and release (vintage).
PANEL_COLUMNS: list[str] = [
    "ecode",  # MHCLG E-code (E1234) where the source has one, else None
    "gss_code",  # ONS GSS code (current code for the authority), filled by the build
    "financial_year",  # the year the value describes, "2016-17"
    "indicator",  # canonical measure name, e.g. "net_revenue_expenditure"
    "value",  # float; NaN where the source marks the value missing
    "status",  # "reported", "missing_return" ([x]), "not_available" (…, blank),
    # "source_error" (a spreadsheet error value such as #VALUE! where a figure should be)
    "unit",  # "GBP_thousand", "GBP", "percent", "fraction", "count", "rate_per_10k", ...
    "source",  # source family: "RS", "RA", "RSX", "COR", "BI", "CTR", ...
    "source_file",  # file name the value was read from
    "vintage",  # release identifier; several vintages of one year are all kept
    "period_end",  # date the value describes the state at / period ends (ISO date)
    "published",  # date the value became public (ISO date)
    "published_basis",  # "file" (stated in the release), "page" (its GOV.UK page's change
    # history) or "rule" (assumed, see configs)
]
# The stored panel adds each value's kind of figure (`registry.with_kinds`, from its source).
STORED_PANEL_COLUMNS: list[str] = [*PANEL_COLUMNS, "kind"]

AUTHORITY_COLUMNS: list[str] = [
    "ecode",  # MHCLG E-code, stable across ONS re-codings
    "gss_code",  # current ONS GSS code
    "former_gss_codes",  # earlier GSS codes of the same authority, ";"-joined
    "name",
    "class",  # SC, SD, UA, MD, L (London boroughs; the source's LB is normalised to L)
    "first_year",  # first financial year with a return
    "last_year",  # last financial year with a return
    "successor_gss",  # GSS codes of the successors after a reorganisation, ";"-joined
]

COUNCIL_CLASSES: tuple[str, ...] = ("SC", "SD", "UA", "MD", "L")

EVENT_COLUMNS: list[str] = [
    "gss_code",
    "authority_name",
    "body_type",
    "event",
    "date",
    "financial_year",
    "decided_year",
    "amount_gbp_m",
    "revised",
    "counts_as_failure",
    "check",
    "amount_other_gbp_m",
    "note",
    "source",
    "second_source",
]

# Rows of a source that match no authority: reported by `data check`, never dropped silently.
UNMATCHED_COLUMNS: list[str] = [
    "source",  # source family
    "source_file",
    "row",  # 1-based row number in the file (sheet row for workbooks)
    "code",  # the code the row carries, if any
    "name",  # the name the row carries, if any
    "reason",  # why it matched nothing
]

# The kind of figure each source family publishes: what was spent (outturn), what was
# planned (budget), what is projected or allocated ahead (forecast), or a stock at a date
# (position). A feature reads one kind; a reason says which kind and date it rests on.
KINDS: tuple[str, ...] = ("outturn", "budget", "forecast", "position")


# Currency units the panel holds, in pounds: ratios compare values whatever unit a release used.
TO_POUNDS: dict[str, float] = {"GBP": 1.0, "GBP_thousand": 1e3, "GBP_million": 1e6}
