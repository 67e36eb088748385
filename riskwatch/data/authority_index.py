"""Find the authority a source row belongs to: by E-code, GSS code (current or former) or name.

Council names differ across publishers ("Bristol, City of", "Bristol UA"), codes
change at reorganisations and a name can belong to two councils in different
years (Buckinghamshire, county to 2019-20, unitary from 2020-21). `AuthorityIndex`
matches E-codes, GSS codes and names in a given year for the MHCLG and DfE
readers; `GssIndex` matches the GSS codes and upper-tier names the
service-performance publishers print.

The two name keys differ (`name_key` knows publishers' irreducible spellings such
as "Medway Towns"; `gss_name_key` strips fewer suffixes and none of those) and are
kept apart so that every table builds byte for byte as before.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.data.schema import AUTHORITY_COLUMNS, PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.data.store import load_table
from riskwatch.data.workbook import cell_text
from riskwatch.errors import RiskwatchError

UPPER_TIER = ("SC", "UA", "MD", "L")
GSS_CODE = re.compile(r"^[ENSW]\d{8}$")

# Name matching -------------------------------------------------------------

# Irreducible spellings: the key of one spelling -> the key of the other.
NAME_ALIASES = {
    "newcastle": "newcastleupontyne",  # the revenue returns write the district "Newcastle"
    "medwaytowns": "medway",  # the revenue returns' "Medway Towns UA"
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
    as "UA", "CC", "DC", "MBC", "City", "Borough" or "County Council" do not count.
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
    """Look councils up by E-code, GSS code (current or former) or name in a given year."""

    def __init__(self, authorities: pd.DataFrame) -> None:
        missing = [c for c in AUTHORITY_COLUMNS if c not in authorities.columns]
        if missing:
            raise RiskwatchError(f"authorities table lacks columns {', '.join(missing)}")
        rows = authorities.to_dict("records")
        self._by_code: dict[str, dict] = {}
        self._by_name: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            self._by_code[row["ecode"]] = self._by_code[row["gss_code"]] = row
            self._by_name[name_key(row["name"])].append(row)
        for row in rows:  # a former code never hides another council's current one
            for code in _split(row["former_gss_codes"]):
                self._by_code.setdefault(code, row)

    def by_code(self, code: str) -> Match:
        """The authority with this E-code or GSS code."""
        row = self._by_code.get(code)
        if row is None:
            return Match(None, None, f"code {code} is not in the authorities table")
        return Match(row["ecode"], row["gss_code"])

    def by_name(self, name: str, year: str) -> Match:
        """The one authority of this name that filed returns in `year` ("2019-20")."""
        candidates = self._by_name.get(name_key(name), [])
        if not candidates:
            return Match(None, None, f"name '{name}' matches no authority")
        active = [row for row in candidates if _active(row, year)]
        if len(active) == 1:
            return Match(active[0]["ecode"], active[0]["gss_code"])
        listed = ", ".join(
            f"{r['name']} ({r['ecode']}, {r['first_year']} to {r['last_year']})" for r in candidates
        )
        if active:
            return Match(
                None, None, f"name '{name}' matches several authorities in {year}: {listed}"
            )
        return Match(None, None, f"name '{name}' matches {listed}, none of which existed in {year}")


def _split(codes: object) -> list[str]:
    return [c for c in cell_text(codes).split(";") if c]


def _active(row: dict, year: str) -> bool:
    first, last = cell_text(row["first_year"]), cell_text(row["last_year"])
    return (not first or first <= year) and (not last or year <= last)


def load_authorities(authorities: pd.DataFrame | None) -> AuthorityIndex:
    """An index over the given authorities, or over the embedded table when none is given."""
    return AuthorityIndex(load_table("authorities") if authorities is None else authorities)


# GSS-coded look-ups (the service-performance publishers) ---------------------
def gss_name_key(name: str) -> str:
    """A council name reduced for exact matching across publishers.

    Normalises case, '&'/'and', "City of", "the", and the suffixes UA, Council,
    County Council, CC, MBC, Borough and City ("Derby City UA" = "Derby",
    "Bristol, City of" = "Bristol", "Telford & the Wrekin" = "Telford and Wrekin").
    """
    text = re.sub(r"[^a-z ]", " ", name.lower().replace("&", " and "))
    text = re.sub(r"\bcity of\b|\bthe\b", " ", text)
    words = text.split()
    suffixes = {"ua", "council", "county", "cc", "mbc", "borough", "city"}
    while len(words) > 1 and words[-1] in suffixes:
        words.pop()
    return "".join(words)


@dataclass(frozen=True)
class GssIndex:
    """The authority table as look-ups: any GSS code to the current one, names to codes."""

    current: dict[str, str]  # current or former GSS code -> current GSS code
    names: dict[str, set[str]]  # name key -> current GSS codes (upper tier only)
    spans: dict[str, tuple[str, str | None]]  # GSS -> (first year, last year or None if open)

    @classmethod
    def build(cls, authorities: pd.DataFrame) -> GssIndex:
        """Index the authority table (upper-tier names only)."""
        latest = authorities["last_year"].max()
        current: dict[str, str] = {}
        names: dict[str, set[str]] = {}
        spans: dict[str, tuple[str, str | None]] = {}
        for row in authorities.to_dict("records"):
            gss = row["gss_code"]
            current[gss] = gss
            for former in filter(None, str(row["former_gss_codes"] or "").split(";")):
                current.setdefault(former, gss)
            if row["class"] in UPPER_TIER:
                names.setdefault(gss_name_key(row["name"]), set()).add(gss)
            last = None if row["last_year"] == latest else row["last_year"]
            spans[gss] = (row["first_year"], last)
        return cls(current=current, names=names, spans=spans)

    def code(self, code: str) -> str | None:
        """The current GSS code of a current or former one; None for an unknown code."""
        return self.current.get(code)

    def by_name(self, name: str, year: str, aliases: dict[str, set[str]]) -> tuple[str | None, str]:
        """The one upper-tier authority of this name (or alias code) in existence in `year`."""
        key = gss_name_key(name)
        codes = set(self.names.get(key, set()))
        codes |= {c for code in aliases.get(key, ()) if (c := self.code(code))}
        if not codes:
            return None, "no authority of this name"
        alive = sorted(c for c in codes if self._covers(c, year))
        if len(alive) == 1:
            return alive[0], ""
        if not alive:
            return None, f"no authority of this name existed in {year} ({', '.join(sorted(codes))})"
        return None, f"several authorities of this name in {year}: {', '.join(alive)}"

    def in_year(self, code: str, name: str, year: str) -> str:
        """`code`, or where its authority did not exist in `year`, the one of that name that did.

        Ofsted files North Yorkshire's 2018 judgement under the code of the
        unitary council created in 2023; it was the county council's.
        """
        current = self.code(code)
        if current is None or self._covers(current, year):
            return code
        found, _ = self.by_name(name, year, {})
        return found or code

    def codes_in_year(self, frame: pd.DataFrame) -> list[str]:
        """`in_year` for every row of a frame with code, name and financial_year."""
        return [self.in_year(r.code, r.name, r.financial_year) for r in frame.itertuples()]

    def _covers(self, code: str, year: str) -> bool:
        first, last = self.spans.get(code, (None, None))
        return (first is None or first <= year) and (last is None or year <= last)


def name_aliases(frame: pd.DataFrame) -> dict[str, set[str]]:
    """Name key -> the codes a coded file gives that name (a publisher's own name list)."""
    aliases: dict[str, set[str]] = {}
    for name, code in zip(frame["name"], frame["code"], strict=True):
        aliases.setdefault(gss_name_key(name), set()).add(code)
    return aliases


def gss_index(authorities: pd.DataFrame | None) -> GssIndex | None:
    """A GSS index over the given authorities; None (codes kept as given) without them."""
    return None if authorities is None else GssIndex.build(authorities)


def attach_codes(
    frame: pd.DataFrame, index: GssIndex | None, *, source: str, source_file: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Current GSS codes for rows carrying a code; rows matching none go to `unmatched`.

    A field holding several codes ("E09000021 / E09000027", one joint return for
    two councils) is unmatched: no share of it can be assigned to either council.
    """
    valid = frame["code"].map(lambda c: bool(GSS_CODE.match(c)))
    if index is None:
        mapped = frame["code"].where(valid)
    else:
        mapped = (
            frame["code"].where(valid).map(lambda c: index.code(c) if isinstance(c, str) else None)
        )
    reasons = np.where(
        ~valid,
        "not a single GSS code (joint return for several authorities?)",
        "GSS code not in the authority table",
    )
    lost = frame[mapped.isna()].assign(reason=reasons[mapped.isna().to_numpy()])
    unmatched = lost.drop_duplicates("row").assign(source=source, source_file=source_file)
    values = frame[mapped.notna()].assign(gss_code=mapped[mapped.notna()])
    return values[PANEL_COLUMNS].reset_index(drop=True), unmatched[UNMATCHED_COLUMNS].reset_index(
        drop=True
    )
