"""Readers for authority context: deprivation (IoD 2019) and nearest-neighbour peer sets.

These are attributes of an authority, not yearly measures, so they return plain
tables keyed by GSS code rather than panel rows.

Deprivation comes from MHCLG's IoD 2019 lower-tier summaries (File 10): one
row per 2019 district, unitary, metropolitan district and London borough.
Shire counties are not in that file; their rows are built from their districts
with the district-to-county list MHCLG prints in the 2019-20 council tax
requirement workbook (sheet "Precepting Bodies", keyed by E-code) and the GSS
codes of the 2019-20 revenue outturn roster. IoD averages are population
weighted and the file gives each district's income-deprived count ("Income
scale") and the share of its population that is ("Income - Average score"), so
their ratio is the population the IoD used (column `population`); a county's
IMD average score, IMD average rank and income score are the population-weighted
means of its districts' (what the IoD's own upper-tier summary computes), its
scales and population are sums. Geography "district" covers every lower-tier
row: shire districts, unitaries, metropolitan districts and London boroughs.
Other county attributes are left empty: ranks, extent and concentration need
LSOA data the file does not hold, and the file does not say which population
weights the other domains' averages (IDACI's children, IDAOPI's older people).
Authorities created after 2019 (Buckinghamshire 2020, the Northamptonshires
2021, Cumberland, Westmorland and Furness, North Yorkshire and Somerset 2023)
have no row: their areas are the rows of their predecessors (`successor_gss` in
the authority table).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.kit.authority_index import name_key
from riskwatch.data.kit.cells import EES_MARKS, parse_cell
from riskwatch.data.kit.header import cell_text, label_key, locate_columns
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.sources.revenue import read_revenue_file
from riskwatch.errors import RiskwatchError

IOD_FILE = Path("context/File_10_IoD2019_LAD_Summaries_LowerTier.xlsx")
NEIGHBOURS_FILE = Path("context/oflog_nearest_neighbours.json")
COUNTY_LIST_FILE = Path("council-tax/ctr_1920.xlsx")
COUNTY_LIST_SHEET = "Precepting Bodies"
ROSTER_FILE = Path("revenue-outturn/rs2019_20.xls")

IOD_KEYS = {
    "gss_code": ("Local Authority District code (2019)",),
    "name": ("Local Authority District name (2019)",),
}
# sheet -> {attribute: header variants}
IOD_ATTRIBUTES = {
    "IMD": {
        "imd_average_score": ("IMD - Average score",),
        "imd_rank_of_average_score": ("IMD - Rank of average score",),
        "imd_average_rank": ("IMD - Average rank",),
        "imd_rank_of_average_rank": ("IMD - Rank of average rank",),
        "imd_prop_lsoas_most_deprived_10pct": (
            "IMD - Proportion of LSOAs in most deprived 10% nationally",
        ),
        "imd_extent": ("IMD 2019 - Extent", "IMD - Extent"),
        "imd_local_concentration": ("IMD 2019 - Local concentration", "IMD - Local concentration"),
    },
    "Income": {
        "income_average_score": ("Income - Average score",),
        "income_scale": ("Income scale", "Income - Scale"),
    },
    "Employment": {
        "employment_average_score": ("Employment - Average score",),
        "employment_scale": ("Employment scale", "Employment - Scale"),
    },
    "Education": {"education_average_score": ("Education, Skills and Training - Average score",)},
    "Health": {"health_average_score": ("Health Deprivation and Disability - Average score",)},
    "Crime": {"crime_average_score": ("Crime - Average score",)},
    "Barriers": {"barriers_average_score": ("Barriers to Housing and Services - Average score",)},
    "Living": {"living_environment_average_score": ("Living Environment - Average score",)},
    "IDACI": {"idaci_average_score": ("IDACI - Average score",)},
    "IDAOPI": {"idaopi_average_score": ("IDAOPI - Average score",)},
}
WEIGHTED = ("imd_average_score", "imd_average_rank")  # population-weighted county means
SUMMED = ("income_scale", "employment_scale", "population")
COUNTY_LIST_KEYS = {"ecode": ("Ecodes", "Ecode", "E-code"), "name": ("Local Authority",)}
# For London boroughs the column names the GLA, their upper-tier precepting body.
NO_COUNTY = {"", "-", "Greater London Authority"}
GSS_CODE = re.compile(r"^E\d{8}$")


def read_deprivation(root: Path) -> pd.DataFrame:
    """IoD 2019 summaries per district (geography "district") and shire county ("county")."""
    districts = read_iod_districts(Path(root) / IOD_FILE)
    counties = county_districts(Path(root) / COUNTY_LIST_FILE, Path(root) / ROSTER_FILE)
    missing = sorted(set(counties["district_gss"]) - set(districts["gss_code"]))
    if missing:
        raise RiskwatchError(
            f"districts of the county list not in the IoD file: {', '.join(missing[:5])}",
            file=IOD_FILE.name,
        )
    return pd.concat([districts, _county_rows(districts, counties)], ignore_index=True)


def read_iod_districts(path: Path) -> pd.DataFrame:
    """One row per 2019 lower-tier authority with the attributes of `IOD_ATTRIBUTES`."""
    path = Path(path)
    grids = read_grids(path)
    frame: pd.DataFrame | None = None
    for sheet, attributes in IOD_ATTRIBUTES.items():
        if sheet not in grids:
            raise RiskwatchError(f"no sheet named '{sheet}'", file=path.name, field=sheet)
        part = _iod_sheet(grids[sheet], {**IOD_KEYS, **attributes}, path, sheet)
        frame = part if frame is None else frame.merge(part, on=["gss_code", "name"], how="outer")
    frame["population"] = frame["income_scale"] / frame["income_average_score"]
    frame.insert(2, "geography", "district")
    frame.insert(3, "district_count", 1)
    frame["source_file"] = path.name
    return frame


def _iod_sheet(grid: pd.DataFrame, spec: dict, path: Path, sheet: str) -> pd.DataFrame:
    header, cols = locate_columns(grid, spec, file=path.name, sheet=sheet)
    rows = []
    for index in range(header + 1, len(grid)):
        code = cell_text(grid.iat[index, cols["gss_code"]])
        if not code:
            continue
        if not GSS_CODE.match(code):
            raise RiskwatchError(
                f"'{code}' is not a GSS code", file=path.name, row=index + 1, field=sheet
            )
        row = {"gss_code": code, "name": cell_text(grid.iat[index, cols["name"]])}
        for attribute in (a for a in spec if a not in IOD_KEYS):
            row[attribute], _ = parse_cell(
                grid.iat[index, cols[attribute]],
                file=path.name,
                row=index + 1,
                field=attribute,
                marks=EES_MARKS,
            )
        rows.append(row)
    if not rows:
        raise RiskwatchError("no district rows below the header", file=path.name, field=sheet)
    return pd.DataFrame(rows)


def county_districts(county_list: Path, roster_file: Path) -> pd.DataFrame:
    """Shire county -> district pairs of 2019-20 as GSS codes (county_gss, district_gss).

    The council tax workbook names each billing authority's county (E-codes and
    names only); the revenue outturn roster of the same year gives GSS codes.
    """
    pairs = _county_list(Path(county_list))
    roster = read_revenue_file(Path(roster_file)).roster
    gss_of_ecode = dict(zip(roster["ecode"], roster["ons_code"], strict=True))
    counties = roster[roster["class"] == "SC"]
    gss_of_county = {
        name_key(n): c for n, c in zip(counties["name"], counties["ons_code"], strict=True)
    }
    rows = []
    for ecode, county in pairs:
        district, county_gss = gss_of_ecode.get(ecode), gss_of_county.get(name_key(county))
        if district is None or county_gss is None:
            unknown = ecode if district is None else county
            raise RiskwatchError(
                f"'{unknown}' is not in the 2019-20 outturn roster", file=roster_file.name
            )
        rows.append({"county_gss": county_gss, "county": county, "district_gss": district})
    return pd.DataFrame(rows)


def _county_list(path: Path) -> list[tuple[str, str]]:
    """(billing authority E-code, county name) for every district in a county."""
    grids = read_grids(path)
    if COUNTY_LIST_SHEET not in grids:
        raise RiskwatchError(f"no sheet named '{COUNTY_LIST_SHEET}'", file=path.name)
    grid = grids[COUNTY_LIST_SHEET]
    header, cols = locate_columns(grid, COUNTY_LIST_KEYS, file=path.name)
    above = grid.iloc[: header + 1]
    county = [
        c
        for c in range(grid.shape[1])
        if "county" in {label_key(cell_text(v)) for v in above.iloc[:, c]}
    ]
    if not county:
        raise RiskwatchError(
            "no 'County' column above the header row",
            file=path.name,
            row=header + 1,
            field="County",
        )
    pairs = []
    for index in range(header + 1, len(grid)):
        ecode = cell_text(grid.iat[index, cols["ecode"]])
        name = cell_text(grid.iat[index, county[0]])
        if re.fullmatch(r"E\d{4}", ecode) and name not in NO_COUNTY:
            pairs.append((ecode, name))
    if not pairs:
        raise RiskwatchError("no district has a county", file=path.name, field="County")
    return pairs


def _county_rows(districts: pd.DataFrame, counties: pd.DataFrame) -> pd.DataFrame:
    """County attributes from their districts (see the module docstring for which)."""
    merged = counties.merge(districts, left_on="district_gss", right_on="gss_code")
    rows = []
    for (code, name), group in merged.groupby(["county_gss", "county"]):
        row = {column: np.nan for column in districts.columns}
        weights = group["population"]
        row.update(
            {column: float(np.average(group[column], weights=weights)) for column in WEIGHTED}
        )
        row.update({column: float(group[column].sum()) for column in SUMMED})
        row["income_average_score"] = row["income_scale"] / row["population"]
        row.update(
            gss_code=code,
            name=name,
            geography="county",
            district_count=len(group),
            source_file=group["source_file"].iloc[0],
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=districts.columns)


def read_nearest_neighbours(root: Path) -> pd.DataFrame:
    """Oflog's peer sets: gss_code, neighbour_gss, rank (one row per peer).

    The file lists each authority with its 15 nearest neighbours in GSS-code
    order, not by distance, so `rank` is unknown and left empty. The authority
    itself and repeated entries (Folkestone and Hythe, E07000112, is listed twice
    in 25 sets) are dropped; the Isles of Scilly and the City of London have no
    peers. Combined authorities and the GLA (E47, E61) form one set of their own.
    """
    path = Path(root) / NEIGHBOURS_FILE
    try:
        sets = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RiskwatchError("file not found", file=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RiskwatchError(f"not JSON: {exc}", file=path.name) from None
    if not isinstance(sets, dict) or not sets:
        raise RiskwatchError("expected an object of GSS code -> list of codes", file=path.name)
    rows = []
    for code, peers in sets.items():
        if not GSS_CODE.match(code) or not isinstance(peers, list):
            raise RiskwatchError(f"'{code}' is not a GSS code with a list of peers", file=path.name)
        bad = [p for p in peers if not isinstance(p, str) or not GSS_CODE.match(p)]
        if bad:
            raise RiskwatchError(f"peer '{bad[0]}' is not a GSS code", file=path.name, field=code)
        rows.extend((code, peer) for peer in dict.fromkeys(peers) if peer != code)
    frame = pd.DataFrame(rows, columns=["gss_code", "neighbour_gss"])
    frame["rank"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    return frame
