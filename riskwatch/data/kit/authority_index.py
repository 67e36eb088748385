"""Find the authority a source row belongs to: by E-code, GSS code (current or former) or name.

Council names differ across publishers ("Bristol, City of", "Bristol UA"), codes
change at reorganisations and a name can belong to two councils in different
years (Buckinghamshire, county to 2019-20, unitary from 2020-21). One index,
`AuthorityIndex`, serves every reader: the MHCLG and DfE readers look councils up
by E-code or name, the service-performance readers by the GSS codes and the
upper-tier names their publishers print, and `attach_codes` gives every panel row
its council's current GSS code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.data.authorities import apply_ecode_aliases, load_reorganisation_config
from riskwatch.data.kit.header import cell_text
from riskwatch.data.schema import AUTHORITY_COLUMNS, PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.data.store.table_store import load_table
from riskwatch.errors import RiskwatchError

# The councils with children's services (counties, unitaries, metropolitan districts, London).
UPPER_TIER = ("SC", "UA", "MD", "L")
GSS_CODE = re.compile(r"^[ENSW]\d{8}$")

# Name matching -------------------------------------------------------------

# Irreducible spellings: the key of one spelling -> the key of the other. The
# revenue returns (and so the authority table) name two councils as no other
# publisher does: "Medway Towns UA" is the DfE's and Ofsted's "Medway" (DSG files;
# Ofsted's 2009-2023 table row 83) and "Newcastle" is "Newcastle upon Tyne" (row 87).
NAME_ALIASES = {
    "newcastle": "newcastleupontyne",
    "medwaytowns": "medway",
    "cityofnottingham": "nottingham",
    "shepway": "folkestoneandhythe",  # renamed in 2018, same council (E2240)
}
_PREFIXES = ("london borough of ", "royal borough of ", "county ")
_SUFFIXES = (
    "metropolitan borough council",
    "borough council",
    "county council",
    "city council",
    "district council",
    "council",
    "borough",
    "city",
    "mbc",
    "ua",
    "cc",
    "bc",
    "dc",
)


def name_key(name: str) -> str:
    """A council name reduced to what identifies it across publishers.

    Case, '&'/'and', punctuation, "the", notes in brackets ("(R)", "(Pre LG)"),
    a trailing ", City of"/", County of", a leading "County " and suffixes such
    as "UA", "CC", "DC", "MBC", "City", "Borough" or "County Council" do not count;
    two different spellings of one council meet only through `NAME_ALIASES`.
    """
    text = name.lower().replace("&", " and ").replace("’", "'")
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r",\s*(city|county) of\s*$", "", text.strip())
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            if text.endswith(" " + suffix):
                text, stripped = text[: -len(suffix) - 1].strip(), True
    key = "".join(token for token in text.split() if token != "the")
    return NAME_ALIASES.get(key, key)


@dataclass(frozen=True)
class Match:
    """The authority a source row belongs to, or why there is none."""

    ecode: str | None
    gss_code: str | None
    problem: str | None = None


class AuthorityIndex:
    """Look councils up by E-code, GSS code (current or former) or name in a given year.

    A council the table lists in its latest year is taken to exist after it (Ofsted
    publishes judgements of years the returns have not reached). `gss_aliases` maps
    codes ONS issued after that year to a council's code in the table.
    """

    def __init__(
        self, authorities: pd.DataFrame, gss_aliases: dict[str, str] | None = None
    ) -> None:
        missing = [c for c in AUTHORITY_COLUMNS if c not in authorities.columns]
        if missing:
            raise RiskwatchError(f"authorities table lacks columns {', '.join(missing)}")
        rows = authorities.to_dict("records")
        self._latest = max((cell_text(row["last_year"]) for row in rows), default="")
        self._by_code: dict[str, dict] = {}
        self._by_name: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            self._by_code[row["ecode"]] = self._by_code[row["gss_code"]] = row
            self._by_name[name_key(row["name"])].append(row)
        for row in rows:  # a former code never hides another council's current one
            for code in _split(row["former_gss_codes"]):
                self._by_code.setdefault(code, row)
        for alias, code in (gss_aliases or {}).items():
            if code in self._by_code:
                self._by_code.setdefault(alias, self._by_code[code])

    def by_code(self, code: str) -> Match:
        """The authority with this E-code or GSS code."""
        row = self._by_code.get(code)
        if row is None:
            return Match(None, None, f"code {code} is not in the authorities table")
        return Match(row["ecode"], row["gss_code"])

    def current_gss(self, code: str) -> str | None:
        """The current GSS code of the council with this E-code or (former) GSS code."""
        row = self._by_code.get(code)
        return None if row is None else row["gss_code"]

    def by_name(
        self,
        name: str,
        year: str,
        *,
        upper_tier: bool = False,
        aliases: dict[str, set[str]] | None = None,
    ) -> Match:
        """The one authority of this name that existed in `year` ("2019-20").

        With `upper_tier`, only councils with children's services are candidates;
        `aliases` (name key -> codes, a publisher's own name list) adds the councils
        whose codes a coded file gives that name.
        """
        key = name_key(name)
        candidates = {
            row["gss_code"]: row
            for row in self._by_name.get(key, [])
            if not upper_tier or row["class"] in UPPER_TIER
        }
        for code in (aliases or {}).get(key, ()):
            if (row := self._by_code.get(code)) is not None:
                candidates.setdefault(row["gss_code"], row)
        if not candidates:
            return Match(None, None, f"name '{name}' matches no authority")
        active = [row for row in candidates.values() if self._active(row, year)]
        if len(active) == 1:
            return Match(active[0]["ecode"], active[0]["gss_code"])
        listed = ", ".join(
            f"{r['name']} ({r['ecode']}, {r['first_year']} to {r['last_year']})"
            for r in candidates.values()
        )
        if active:
            return Match(
                None, None, f"name '{name}' matches several authorities in {year}: {listed}"
            )
        return Match(None, None, f"name '{name}' matches {listed}, none of which existed in {year}")

    def in_year(self, code: str, name: str, year: str) -> str:
        """`code`, or where its authority did not exist in `year`, the one of that name that did.

        Ofsted files North Yorkshire's 2018 judgement under the code of the
        unitary council created in 2023; it was the county council's.
        """
        row = self._by_code.get(code)
        if row is None or self._active(row, year):
            return code
        return self.by_name(name, year, upper_tier=True).gss_code or code

    def codes_in_year(self, frame: pd.DataFrame) -> list[str]:
        """`in_year` for every row of a frame with gss_code (as printed), name and financial_year."""
        return [self.in_year(r.gss_code, r.name, r.financial_year) for r in frame.itertuples()]

    def _active(self, row: dict, year: str) -> bool:
        first, last = cell_text(row["first_year"]), cell_text(row["last_year"])
        return (not first or first <= year) and (not last or last == self._latest or year <= last)


def _split(codes: object) -> list[str]:
    return [c for c in cell_text(codes).split(";") if c]


def load_authorities(authorities: pd.DataFrame | None) -> AuthorityIndex:
    """An index over the given authorities, or over the embedded table when none is given."""
    return AuthorityIndex(load_table("authorities") if authorities is None else authorities)


def index_or_none(authorities: pd.DataFrame | None) -> AuthorityIndex | None:
    """An index over the given authorities; None (codes kept as printed) without them."""
    return None if authorities is None else AuthorityIndex(authorities)


def council_index(authorities: pd.DataFrame) -> AuthorityIndex:
    """The index the build attaches every source with: the table plus configs' `gss_aliases`."""
    return AuthorityIndex(authorities, load_reorganisation_config().get("gss_aliases", {}))


def name_aliases(frame: pd.DataFrame) -> dict[str, set[str]]:
    """Name key -> the codes a coded file gives that name (a publisher's own name list)."""
    aliases: dict[str, set[str]] = {}
    for name, code in zip(frame["name"], frame["gss_code"], strict=True):
        aliases.setdefault(name_key(name), set()).add(code)
    return aliases


# Attaching codes -------------------------------------------------------------

NOT_ONE_CODE = "not a single GSS code (joint return for several authorities?)"
UNKNOWN_CODE = "GSS code not in the authority table"


def attach_codes(
    values: pd.DataFrame, index: AuthorityIndex | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Panel rows with their council's current GSS code, and the rows matching no council.

    A row is keyed by its council's E-code (`ecode`) or by the code its publisher
    printed (`gss_code`, current or former). An E-code that is not a council's
    (fire, police, ... class O) leaves the panel by design. A printed code that
    matches no council, or that is not one GSS code ("E09000021 / E09000027", one
    joint return for two councils: no share of it belongs to either) is returned as
    unmatched, once per source row (with the sheet row and name where the values
    carry `row` and `name`), never dropped silently. Without an index, well-formed
    GSS codes are kept as printed. Rows keep their index, and with it their source row.
    """
    if values["ecode"].notna().any():
        values = apply_ecode_aliases(values)
    printed = values["gss_code"]
    well_formed = printed.map(lambda c: isinstance(c, str) and bool(GSS_CODE.match(c)))
    gss = printed.where(well_formed)
    if index is None:
        coded = gss
    else:
        # as "str" both: filling a text column from an all-missing float one makes it object
        from_ecode = values["ecode"].map(index.current_gss, na_action="ignore").astype("str")
        coded = from_ecode.fillna(gss.map(index.current_gss, na_action="ignore").astype("str"))
    lost = coded.isna() & values["ecode"].isna() & printed.notna()
    orphans = values[lost]
    unmatched = pd.DataFrame(
        {
            "source": orphans["source"],
            "source_file": orphans["source_file"],
            "row": orphans.get("row"),
            "code": orphans["gss_code"],
            "name": orphans.get("name"),
            "reason": np.where(well_formed[lost], UNKNOWN_CODE, NOT_ONE_CODE),
        }
    ).drop_duplicates(["source", "source_file", "row", "code"])
    matched = values.assign(gss_code=coded)[coded.notna()]
    return matched[PANEL_COLUMNS], unmatched[UNMATCHED_COLUMNS].reset_index(drop=True)
