"""Mapping tables: which form line holds each revenue measure, and its label variants.

One `Line` per measure. A column is that measure when its label matches one of
the variants (compared by `label_key`) and, where the sheet prints form line
numbers, its line number is the form's line for the measure. Years without
line numbers (RS before 2015-16, RA before 2016-17) are matched by label within
the main block of the form: memo blocks (Icelandic bank impairment, capital
charges, the repeated net current expenditure block) are excluded by caption.

`since`/`until` say which years of each form carry the line: a file of such a
year without it fails loudly, so a reworded line in next year's release is
caught rather than silently dropped. Add the new variant here when that happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GBP_THOUSAND = "GBP_thousand"


@dataclass(frozen=True)
class Line:
    indicator: str
    description: str
    labels: tuple[str, ...]
    lines: dict[str, tuple[str, ...]]  # form ("RS", "RA", "RSX") -> line numbers
    since: dict[str, str] = field(default_factory=dict)  # form -> first year carried
    until: dict[str, str] = field(default_factory=dict)  # form -> last year carried
    date: str | None = None  # reserve levels: "open" (1 April) or "close" (31 March)
    form_column: str | None = None  # RSX: the form column (C7 net current expenditure)
    unit: str = GBP_THOUSAND


def _service(indicator: str, description: str, labels: tuple[str, ...], line: str, **kw) -> Line:
    return Line(indicator, description, labels, {"RS": (line,), "RA": (line,)}, **kw)


REVENUE_LINES: tuple[Line, ...] = (
    _service(
        "education_nce",
        "Net current expenditure on education services",
        ("Education services", "TOTAL EDUCATION SERVICES"),
        "190",
    ),
    _service(
        "highways_transport_nce",
        "Net current expenditure on highways and transport services",
        (
            "Highways roads and transport services",
            "Highways, roads and transport services",
            "Highways and transport services",
            "TOTAL HIGHWAYS AND TRANSPORT SERVICES",
        ),
        "290",
    ),
    _service(
        "social_care_nce",
        "Net current expenditure on social care (one line, adults and children, until 2010-11)",
        ("Social care",),
        "390",
        until={"RS": "2010-11", "RA": "2010-11"},
    ),
    _service(
        "children_social_care_nce",
        "Net current expenditure on children's social care (from 2011-12)",
        (
            "Children Social Care",
            "Childrens Social Care",
            "TOTAL CHILDREN SOCIAL CARE",
            "TOTAL CHILDRENS SOCIAL CARE",
            "TOTAL CHILDREN'S SOCIAL CARE",
        ),
        "330",
        since={"RS": "2011-12", "RA": "2011-12"},
    ),
    _service(
        "adult_social_care_nce",
        "Net current expenditure on adult social care (from 2011-12)",
        ("Adult Social Care", "TOTAL ADULT SOCIAL CARE"),
        "360",
        since={"RS": "2011-12", "RA": "2011-12"},
    ),
    _service(
        "public_health_nce",
        "Net current expenditure on public health (a council duty from 2013-14)",
        ("Public Health", "TOTAL PUBLIC HEALTH"),
        "390",
        since={"RS": "2013-14", "RA": "2013-14"},
    ),
    _service(
        "housing_gfra_nce",
        "Net current expenditure on housing services (general fund, not the HRA)",
        ("Housing services (GFRA only)", "TOTAL HOUSING SERVICES (GFRA only)"),
        "490",
    ),
    _service(
        "cultural_nce",
        "Net current expenditure on cultural and related services",
        ("Cultural and related services", "TOTAL CULTURAL AND RELATED SERVICES"),
        "509",
    ),
    _service(
        "environmental_nce",
        "Net current expenditure on environmental and regulatory services",
        (
            "Environmental services",
            "Environmental and regulatory services",
            "TOTAL ENVIRONMENTAL AND REGULATORY SERVICES",
        ),
        "590",
    ),
    _service(
        "planning_nce",
        "Net current expenditure on planning and development services",
        ("Planning and development services", "TOTAL PLANNING AND DEVELOPMENT SERVICES"),
        "599",
    ),
    _service(
        "central_services_nce",
        "Net current expenditure on central services",
        ("Central services", "TOTAL CENTRAL SERVICES"),
        "690",
    ),
    Line(
        "total_service_expenditure",
        "Total service expenditure (net current expenditure on all services)",
        ("TOTAL SERVICE EXPENDITURE",),
        {"RS": ("699",), "RA": ("799",)},
    ),
    Line(
        "net_current_expenditure",
        "Net current expenditure: services plus benefits, levies and trading accounts",
        ("NET CURRENT EXPENDITURE",),
        {"RS": ("749",), "RA": ("849",)},
    ),
    Line(
        "mrp",
        "Provision for repayment of principal (minimum revenue provision, MRP)",
        ("Provision for repayment of principal",),
        {"RS": ("773",), "RA": ("873",)},
    ),
    Line(
        "interest_payable",
        "Interest payable on external borrowing (the form line, not the Icelandic bank memo)",
        (
            "Interest: external payments",
            "Interest payable and similar charges",
            "Interest: Interest payable and similar charges",
        ),
        {"RS": ("781",), "RA": ("881",)},
    ),
    Line(
        "investment_income",
        "Interest and investment income: external receipts and dividends (negative = income)",
        (
            "Interest and investment income (-): external receipts and dividends",
            "Interest and investment income: external receipts and dividends",
        ),
        {"RS": ("786",), "RA": ("886",)},
    ),
    Line(
        "revenue_expenditure",
        "Revenue expenditure",
        ("REVENUE EXPENDITURE",),
        {"RS": ("800",), "RA": ("900",)},
    ),
    Line(
        "net_revenue_expenditure",
        "Net revenue expenditure: revenue expenditure less specific grants inside AEF",
        ("NET REVENUE EXPENDITURE",),
        {"RS": ("805",), "RA": ("905",)},
        until={"RA": "2017-18"},  # RA LA data stops printing line 905 from 2018-19
    ),
    Line(
        "council_tax_requirement",
        "Council tax requirement",
        ("COUNCIL TAX REQUIREMENT",),
        {"RS": ("890",), "RA": ("990",)},
    ),
    Line(
        "appropriation_schools_reserves",
        "Appropriations to (+) / from (-) schools reserves in the year",
        (
            "Appropriations to/from schools reserves",
            "Appropriations to(+)/from(-) schools reserves",
            "Appropriations to(+)/ from(-) schools' reserves",
        ),
        {"RS": ("811",), "RA": ("911",)},
    ),
    Line(
        "appropriation_public_health_reserves",
        "Appropriations to (+) / from (-) public health reserves in the year",
        ("Appropriations to(+) / from(-) public health financial reserves",),
        {"RS": ("814",), "RA": ("914",)},
        since={"RS": "2014-15", "RA": "2014-15"},
    ),
    Line(
        "appropriation_earmarked_reserves",
        "Appropriations to (+) / from (-) other earmarked reserves in the year",
        (
            "Appropriations to/from other earmarked financial reserves",
            "Appropriations to(+)/from(-) other earmarked financial reserves",
        ),
        {"RS": ("815",), "RA": ("915",)},
    ),
    Line(
        "appropriation_unallocated_reserves",
        "Appropriations to (+) / from (-) unallocated reserves in the year",
        (
            "Appropriations to/from unallocated financial reserves",
            "Appropriations to(+)/from(-) unallocated financial reserves",
        ),
        {"RS": ("816",), "RA": ("916",)},
    ),
)


def _dated(label: str, words: str) -> str:
    """'X level (adjusted)' -> 'X level at 1 April (adjusted)': the date precedes a remark."""
    head, _, remark = label.partition(" (")
    return f"{head} {words} ({remark}" if remark else f"{label} {words}"


def _reserve(kind: str, description: str, labels: tuple[str, ...], lines: dict, **kw) -> tuple:
    """The same reserve line at 1 April (opening) and at 31 March (closing)."""
    out = []
    for date, when, words in (
        ("open", "1 April", "at 1 April"),
        ("close", "31 March", "at 31 March"),
    ):
        variants = labels + tuple(_dated(label, words) for label in labels)
        out.append(
            Line(
                f"reserves_{kind}_{date}",
                f"{description} at {when} ({'start' if date == 'open' else 'end'} of the year)",
                variants,
                lines,
                date=date,
                **kw,
            )
        )
    return tuple(out)


# The last RA year held whose release prints estimated reserve levels (lines 1011 to
# 1016). RA 2023-24 is held as MHCLG's "Part 1" CSV, the revenue account lines only
# (its budgeted appropriations to and from reserves, 911 to 916, are there; the levels
# are not), so later RA years are not expected to carry the levels: a release that does
# still has them read, since a measure found is read whether expected or not.
RA_LAST_WITH_RESERVE_LEVELS = "2021-22"

RESERVE_LINES: tuple[Line, ...] = (
    *_reserve(
        "schools",
        "Schools reserves level",
        ("Schools reserves level", "Estimated schools reserves level"),
        {"RS": ("911",), "RA": ("1011",)},
        until={"RA": RA_LAST_WITH_RESERVE_LEVELS},
    ),
    *_reserve(
        "dsg_adjustment",
        "Dedicated schools grant adjustment account level (negative: the schools deficit "
        "the statutory override keeps off the general fund, from 2022-23)",
        ("Estimated dedicated schools grant adjustment account level",),
        {"RS": ("912",), "RA": ()},
        since={"RS": "2022-23"},
        until={"RA": "0000-01"},
    ),
    *_reserve(
        "dsg",
        "Dedicated schools grant reserves level (negative where a DSG deficit is held here, "
        "as before the adjustment account)",
        ("Estimated dedicated schools grant reserves level",),
        {"RS": ("913",), "RA": ()},
        since={"RS": "2018-19"},
        until={"RA": "0000-01"},
    ),
    *_reserve(
        "public_health",
        "Public health reserves level",
        (
            "Public Health financial reserves level",
            "Estimated public health financial reserves level",
        ),
        {"RS": ("914",), "RA": ("1014",)},
        since={"RS": "2014-15", "RA": "2014-15"},
        until={"RA": RA_LAST_WITH_RESERVE_LEVELS},
    ),
    *_reserve(
        "earmarked",
        "Other earmarked reserves level (as reported; from 2021-22 the unadjusted figure)",
        (
            "Other earmarked financial reserves level",
            "Estimated other earmarked financial reserves level",
            "Estimated other earmarked financial reserves level (unadjusted)",
        ),
        {"RS": ("915",), "RA": ("1015",)},
        until={"RA": RA_LAST_WITH_RESERVE_LEVELS},
    ),
    *_reserve(
        "earmarked_adjusted",
        "Other earmarked reserves level adjusted to remove COVID business-rate relief grants "
        "held for timing (from 2021-22)",
        ("Estimated other earmarked financial reserves level (adjusted)",),
        {"RS": ("915b",), "RA": ()},
        since={"RS": "2021-22"},
        until={"RA": "0000-01"},
    ),
    *_reserve(
        "unallocated",
        "Unallocated reserves level",
        ("Unallocated financial reserves level", "Estimated unallocated financial reserves level"),
        {"RS": ("916",), "RA": ("1016",)},
        until={"RA": RA_LAST_WITH_RESERVE_LEVELS},
    ),
)

# RSX (2022-23 on): per service, form columns C3 total expenditure, C6 total income,
# C7 net current expenditure. Line numbers are the RS service lines.
_RSX_SERVICES = (
    ("education", "190", "Education services"),
    ("highways_transport", "290", "Highways and transport services"),
    ("children_social_care", "330", "Children Social Care"),
    ("adult_social_care", "360", "Adult Social Care"),
    ("public_health", "390", "Public Health"),
    ("housing_gfra", "490", "Housing services (GFRA only)"),
    ("cultural", "509", "Cultural and related services"),
    ("environmental", "590", "Environmental and regulatory services"),
    ("planning", "599", "Planning and development services"),
    ("central_services", "690", "Central services"),
    ("total_service", "699", "TOTAL SERVICE EXPENDITURE"),
)
_RSX_COLUMNS = (
    ("nce", "7", "Net Current Expenditure (C7 = C3 - C6)", "net current expenditure"),
    ("gross_expenditure", "3", "Total Expenditure (C3 = C1 + C2)", "gross expenditure"),
    ("income", "6", "Total Income (C6 = C4 + C5)", "total income"),
)


def _rsx_lines() -> tuple[Line, ...]:
    out = []
    for service, line, label in _RSX_SERVICES:
        for suffix, form_column, column_label, words in _RSX_COLUMNS:
            indicator = (
                "total_service_expenditure"
                if (service == "total_service" and suffix == "nce")
                else f"{service}_{suffix}"
            )
            out.append(
                Line(
                    indicator,
                    f"{label}: {words} (RSX form column {form_column})",
                    (f"{label} - {column_label}", f"{label}- {column_label}"),
                    {"RSX": (line,)},
                    form_column=form_column,
                )
            )
    return tuple(out)


RSX_LINES: tuple[Line, ...] = _rsx_lines()


def lines_for(form: str) -> tuple[Line, ...]:
    """Every mapped line of a form."""
    if form == "RSX":
        return RSX_LINES
    return tuple(line for line in REVENUE_LINES + RESERVE_LINES if form in line.lines)


def carried(line: Line, form: str, year: str) -> bool:
    """Whether the form of that year is expected to carry the line."""
    if form not in line.lines or (form != "RSX" and not line.lines[form]):
        return False
    since = line.since.get(form)
    until = line.until.get(form)
    return (since is None or year >= since) and (until is None or year <= until)


# Reserve levels summed into the total of RS lines 911 to 916: the lines besides earmarked
# (915, as reported) and unallocated (916), which count as 0 in a year whose form does not
# carry them (public health from 2013-14, DSG from 2018-19, the DSG adjustment account from
# 2022-23). The compiled 2024-25 `reserves` is the same sum.
OTHER_TOTAL_RESERVE_KINDS = ("schools", "dsg_adjustment", "dsg", "public_health")
