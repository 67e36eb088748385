"""Context readers on the real files: IoD 2019 deprivation and Oflog's peer sets.

Golden figures were read by hand from the cell named in each comment.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from riskwatch.data.kit.opening import read_grids
from riskwatch.data.sources import context
from riskwatch.errors import RiskwatchError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")


@pytest.fixture(scope="module")
def deprivation(shared_data) -> pd.DataFrame:
    return context.read_deprivation(shared_data)


@pytest.fixture(scope="module")
def neighbours(shared_data) -> pd.DataFrame:
    return context.read_nearest_neighbours(shared_data)


def row(frame: pd.DataFrame, code: str) -> pd.Series:
    found = frame[frame["gss_code"] == code]
    assert len(found) == 1, found
    return found.iloc[0]


# ------------------------------------------------------------------ deprivation
def test_district_golden_numbers(deprivation):
    # File_10_IoD2019_LAD_Summaries_LowerTier.xlsx, sheet IMD, row 2 (E06000001 Hartlepool):
    # IMD - Average score 35.037, Rank of average score 10, Average rank 22581.98.
    hartlepool = row(deprivation, "E06000001")
    assert (hartlepool["name"], hartlepool["geography"]) == ("Hartlepool", "district")
    assert hartlepool["imd_average_score"] == 35.037
    assert hartlepool["imd_rank_of_average_score"] == 10
    assert hartlepool["imd_average_rank"] == 22581.98
    # sheet Income, row 2: Income - Average score 0.228, Income scale 21084.
    assert math.isclose(hartlepool["population"], 21084 / 0.228)


def test_a_county_is_the_population_weighted_mean_of_its_districts(deprivation):
    # IMD and Income sheets, rows 58-61: the four Buckinghamshire districts of 2019
    # (Aylesbury Vale, Chiltern, South Bucks, Wycombe): average score, income score, scale.
    districts = [(11.183, 0.067, 12550), (6.952, 0.053, 4925), (9.481, 0.057, 3924)]
    districts.append((10.742, 0.076, 13234))
    populations = [scale / share for _, share, scale in districts]
    expected = sum(p * d[0] for p, d in zip(populations, districts, strict=True)) / sum(populations)
    bucks = row(deprivation, "E10000002")
    assert (bucks["geography"], bucks["district_count"]) == ("county", 4)
    assert math.isclose(bucks["imd_average_score"], expected, rel_tol=1e-12)
    assert bucks["income_scale"] == 12550 + 4925 + 3924 + 13234
    assert pd.isna(bucks["imd_rank_of_average_score"])  # ranks need LSOA data
    assert pd.isna(bucks["idaci_average_score"])


def test_every_2019_shire_district_sits_in_exactly_one_county(deprivation):
    counties = deprivation[deprivation["geography"] == "county"]
    districts = deprivation[deprivation["geography"] == "district"]
    assert len(counties) == 26 and len(districts) == 317
    assert counties["district_count"].sum() == 192
    assert counties["gss_code"].str.startswith("E10").all()
    assert not deprivation["gss_code"].duplicated().any()
    lower, upper = districts["imd_average_score"].min(), districts["imd_average_score"].max()
    assert counties["imd_average_score"].between(lower, upper).all()


# ------------------------------------------------------------------ neighbours
def test_peer_sets_drop_self_and_repeats_and_leave_rank_unknown(neighbours, shared_data):
    assert list(neighbours.columns) == ["gss_code", "neighbour_gss", "rank"]
    assert not (neighbours["gss_code"] == neighbours["neighbour_gss"]).any()
    assert not neighbours.duplicated(["gss_code", "neighbour_gss"]).any()
    assert neighbours["rank"].isna().all()
    sizes = neighbours.groupby("gss_code").size()
    councils = sizes[~sizes.index.str.startswith(("E47", "E61"))]
    assert (councils == 15).all() and len(councils) == 331
    # oflog_nearest_neighbours.json, key "E07000112": every peer listed twice.
    assert set(neighbours.loc[neighbours["gss_code"] == "E07000112", "neighbour_gss"]) >= {
        "E07000026",
        "E07000246",
    }
    raw = json.loads((shared_data / context.NEIGHBOURS_FILE).read_text())
    assert raw["E06000053"] == ["E06000053"]  # Isles of Scilly: no peers
    assert "E06000053" not in set(neighbours["gss_code"])


# ------------------------------------------------------------------ bad files
def _write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, grid in sheets.items():
            grid.to_excel(writer, sheet_name=name, header=False, index=False)


def test_county_list_without_its_ecode_column_is_refused(shared_data, tmp_path):
    grid = read_grids(shared_data / context.COUNTY_LIST_FILE)[context.COUNTY_LIST_SHEET]
    grid = grid.loc[:, ~grid.isin(["Ecodes"]).any()]
    path = tmp_path / context.COUNTY_LIST_FILE.name
    _write_workbook(path, {context.COUNTY_LIST_SHEET: grid})
    with pytest.raises(RiskwatchError, match="Ecodes") as error:
        context.county_districts(path, shared_data / context.ROSTER_FILE)
    assert path.name in str(error.value)


@pytest.mark.parametrize(
    "content",
    [
        "[1, 2]",
        '{"E06000001": "E06000002"}',
        '{"E06000001": ["E06000001", "Hartlepool"]}',
        '{"Hartlepool": ["E06000002"]}',
        "{not json",
    ],
)
def test_peer_file_of_the_wrong_shape_is_refused(tmp_path, content):
    path = tmp_path / context.NEIGHBOURS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(RiskwatchError) as error:
        context.read_nearest_neighbours(tmp_path)
    assert path.name in str(error.value) and "\n" not in str(error.value)
