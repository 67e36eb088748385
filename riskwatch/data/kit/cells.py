"""Read one spreadsheet cell as a number and its status, with each publisher's missing marks.

A cell is a figure (`reported`), a mark saying why there is none (the status its
publisher's table gives it), empty (None, unless the publisher's marks give
empty cells a status) or an error: formulas, infinities, unknown text and a
negative figure of a measure that cannot be negative (NON_NEGATIVE) stop the
build with one line naming the file, row and field.
"""

from __future__ import annotations

import numpy as np

from riskwatch.data.kit.header import cell_text
from riskwatch.errors import RiskwatchError

# MHCLG local government finance releases (revenue, capital, council tax, borrowing).
MHCLG_MARKS: dict[str, str] = {
    "[x]": "missing_return",
    **dict.fromkeys(
        ("…", "...", "..", "-", "–", "x", "[z]", "[c]", "[u]", "[low]", "n/a"), "not_available"
    ),
    # Spreadsheet error values a publisher (or a compilation of its figures) left in a cell:
    # the figure is unknown, never zero.
    **dict.fromkeys(("#value!", "#n/a", "#ref!", "#div/0!", "#num!", "#name?"), "source_error"),
}
# Capital outturn (COR) 2018-19 "Symbols" sheet: ':' not available.
COR_MARKS: dict[str, str] = {**MHCLG_MARKS, ":": "not_available"}
# Explore Education Statistics symbols: c confidential, x unavailable, u low reliability,
# z not applicable, low rounds to zero, : not available; Defra writes NA. Empty is unavailable.
EES_MARKS: dict[str, str] = dict.fromkeys(
    ("", "c", "x", "u", "z", "low", ":", "..", "na", "[c]", "[x]", "[z]", "[u]"), "not_available"
)

# Indicators no council can report below zero, whichever source prints them: amounts
# borrowed, lent or held, limits, grant allocations, spending power, council tax and its
# base, counts of households and children, rates and inspection grades. Not net spending,
# income, reserves, appropriations, the capital financing requirement or net debt: real
# releases print negatives of each. The one list every reader's cells are checked against.
NON_NEGATIVE: frozenset[str] = frozenset(
    {
        # revenue (RS, RA) and council tax (CTR)
        "council_tax_requirement",
        "ct_requirement_ctr",
        "ct_requirement_with_parish",
        "band_d",
        "band_d_with_parish",
        "council_tax_base",
        "parish_precepts",
        "asc_precept_increase",
        # borrowing and investments (BI, CAC, COR, NAO)
        *(
            f"borrowing_{lender}"
            for lender in (
                "banks",
                "bonds",
                "central_government",
                "long_term",
                "market",
                "other_local_authorities",
                "pwlb",
                "short_term",
                "total",
            )
        ),
        "investments_total",
        "investments_bank_deposits",
        "investments_money_market_funds",
        "investments_other",
        "external_borrowing_nao",
        *(
            f"{measure}_{end}"
            for measure in (
                "authorised_limit",
                "operational_boundary",
                "gross_borrowing",
                "gross_external_debt",
                "investments",
                "other_long_term_liabilities",
            )
            for end in ("open", "close")
        ),
        # grants and spending power (CSP, DSG)
        "core_spending_power",
        "spending_power",
        "dsg_allocation",
        # homelessness (H-CLIC) and housing spending (RO4) gross lines
        "households_in_area",
        *(
            f"ta_{kind}"
            for kind in (
                "bed_and_breakfast",
                "children",
                "hostels",
                "households_total",
                "households_with_children",
                "in_another_district",
                "la_ha_stock",
                "nightly_paid",
                "other",
                "private_sector_leased",
            )
        ),
        "general_fund_housing_gross",
        "homelessness_gross",
        "ta_bed_and_breakfast_gross",
        "ta_hostels_gross",
        "ta_nightly_paid_gross",
        # services: rates, scores and grades (DfE, Oflog, Defra, Ofsted)
        "cin_rereferral_rate",
        "cla_rate_per_10k",
        "cpp_repeat_rate",
        "sw_agency_rate",
        "sw_turnover_rate",
        "sw_vacancy_rate",
        "asc1_carer_quality_of_life",
        "asc2_quality_of_life_impact",
        "asc3_information_ease_users",
        "asc4_information_ease_carers",
        "asc5_short_term_no_further_support",
        "asc6_requests_resulting_in_service",
        "asc7_workforce_turnover_rate",
        "recycling_rate",
    }
)


class ImpossibleValue(RiskwatchError):
    """A negative figure of a NON_NEGATIVE indicator, carrying the figure as parsed: a
    reader that lets the user keep it on purpose (an ingest with --accept-outliers)
    records the error and keeps the value."""

    def __init__(self, value: float, indicator: str, *, file: str, row: int, field: str) -> None:
        super().__init__(
            f"negative value {value:g} for {indicator}, which cannot be negative",
            file=file,
            row=row,
            field=field,
        )
        self.value = value


def parse_cell(
    raw: object,
    *,
    file: str,
    row: int,
    field: str,
    marks: dict[str, str] = MHCLG_MARKS,
    indicator: str | None = None,
) -> tuple[float, str] | None:
    """A cell as (value, status); a mark (matched lower-case) as (nan, its status).

    None for an empty cell that `marks` does not name; a formula, an infinite value
    or other text is an error naming `file`, `row` and `field`, and so (ImpossibleValue)
    is a negative figure of the `indicator` the cell is read as, if NON_NEGATIVE.
    """
    text = cell_text(raw)
    if text and isinstance(raw, int | float | np.number) and not isinstance(raw, bool):
        value = float(raw)
    else:
        lowered = text.lower()
        if lowered in marks:
            return float("nan"), marks[lowered]
        if not text:
            return None
        if text.startswith("="):
            raise RiskwatchError(
                f"formula '{text[:40]}' instead of a value: save the release with values only",
                file=file,
                row=row,
                field=field,
            )
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            raise RiskwatchError(
                f"non-numeric value '{text[:40]}'", file=file, row=row, field=field
            ) from None
    if not np.isfinite(value):
        raise RiskwatchError(
            f"infinite or undefined value '{text}'", file=file, row=row, field=field
        )
    if value < 0 and indicator in NON_NEGATIVE:
        raise ImpossibleValue(value, indicator, file=file, row=row, field=field)
    return value, "reported"
