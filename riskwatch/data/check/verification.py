"""The panel against an independent line-by-line reading of MHCLG's returns.

`verification/rs-lines-sample.csv` (shipped in the package, see its README) holds values of
RS, RSX and prudential (COR) lines for 14 councils, each named by its form, line and
column. Each is mapped to the panel's (source, indicator) through the readers' own line
catalogues (`revenue_lines` for RS and RSX, `capital.CAPITAL_MEASURES` for the prudential
codes) and set against every vintage of that value the panel holds:

- agreement: the vintage equals the sample (within £1k);
- known revision: the vintage differs but a later vintage of the same release equals the
  sample (RS 2017-18 before MHCLG's November 2018 revision);
- disagreement: the vintage differs and no later vintage puts it right: a figure the panel
  holds as something it is not (the compiled 2024-25 budget interest read as RS outturn);
- not held: the panel has no reported value for it (years or lines not read).

Sample lines no reader maps (the compiler's usable-reserves sum and forecasts) are counted
as not compared.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.schema import TO_POUNDS
from riskwatch.data.sources.capital import CAPITAL_MEASURES
from riskwatch.data.sources.capital import SOURCE as COR
from riskwatch.data.sources.revenue_lines import carried, lines_for

SAMPLE = Path(
    str(resources.files("riskwatch.data").joinpath("verification", "rs-lines-sample.csv"))
)
TOLERANCE_GBP = 1e3  # values are whole £ thousands; a release printing decimals is within £1k
# The RS reserve levels' column a sample code names by its ending: the level at 31 March.
LEVEL_ENDINGS = {"_end_cy": "close"}
PRUDENTIAL_FORMS = ("PRU1", "PRU2T1", "PRU2T2")
OUTCOMES = ("agree", "revised", "disagree", "not_held")
KEY = ["gss_code", "source", "indicator", "financial_year"]


def read_sample(path: Path = SAMPLE) -> pd.DataFrame | None:
    """The verification sample as text columns and a float value, or None where the file
    is absent (the check then says the panel is not verified)."""
    if not path.is_file():
        return None
    sample = pd.read_csv(path, dtype=str, keep_default_na=False)
    sample["value_gbp_thousand"] = pd.to_numeric(sample["value_gbp_thousand"])
    return sample


def panel_measure(form: str, row: str, col: str, code: str, year: str) -> tuple[str, str] | None:
    """The panel's (source, indicator) for one line of a return, from the readers' catalogues;
    None where no reader reads that line."""
    if form in PRUDENTIAL_FORMS:
        variable = code.removeprefix(f"{form}_").replace("_", "-")
        for measure in CAPITAL_MEASURES:
            if variable in measure.codes:
                return COR, measure.indicator
        return None
    if form not in ("RS", "RSX"):
        return None
    date = next((d for ending, d in LEVEL_ENDINGS.items() if code.endswith(ending)), None)
    for line in lines_for(form):
        if (
            row in line.lines[form]
            and carried(line, form, year)
            and line.form_column in (None, col)
            and line.date in (None, date)
        ):
            return form, line.indicator
    return None


def with_measures(sample: pd.DataFrame) -> pd.DataFrame:
    """The sample with the panel's `source` and `indicator` of each line (empty if unmapped)."""
    columns = ["form", "row", "col", "code", "financial_year"]
    found = {
        key: panel_measure(*key) or ("", "")
        for key in sample[columns].drop_duplicates().itertuples(index=False, name=None)
    }
    measures = [found[key] for key in sample[columns].itertuples(index=False, name=None)]
    return sample.assign(source=[m[0] for m in measures], indicator=[m[1] for m in measures])


def compare(panel: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """One row per sample value and panel vintage of it (one row with outcome `not_held`
    where the panel has none): form, line, council, year, both values in £ thousand, the
    vintage and its outcome. Unmapped sample lines are left out."""
    mapped = with_measures(sample)
    mapped = mapped[mapped["indicator"] != ""]
    reported = panel[panel["status"] == "reported"]
    held = pd.DataFrame(
        {
            **{c: reported[c].astype(str) for c in KEY},
            "panel_value": reported["value"].to_numpy(dtype=float)
            * reported["unit"].astype(str).map(TO_POUNDS).to_numpy(dtype=float)
            / 1e3,
            "vintage": reported["vintage"].astype(str),
            "published": reported["published"].astype(str),
        }
    )
    pairs = mapped.merge(held, on=KEY, how="left")
    gap = np.abs(pairs["panel_value"] - pairs["value_gbp_thousand"]) * 1e3
    pairs["same"] = gap <= TOLERANCE_GBP
    pairs = pairs.sort_values([*KEY, "published", "vintage"], kind="stable")
    # Whether a later vintage of the same value (or this one) equals the sample.
    later_same = pairs.iloc[::-1].groupby(KEY + ["code"], sort=False)["same"].cummax().iloc[::-1]
    pairs["outcome"] = np.select(
        [pairs["panel_value"].isna(), pairs["same"], later_same],
        ["not_held", "agree", "revised"],
        "disagree",
    )
    return pairs.reset_index(drop=True)


def verification_summary(panel: pd.DataFrame, sample: pd.DataFrame | None) -> dict:
    """Counts of each outcome per form and year, every disagreement and known revision, and
    the sample lines not compared; `verified` False where the sample is absent."""
    if sample is None:
        return {
            "verified": False,
            "note": f"verification sample not found ({SAMPLE}): the panel is NOT verified",
        }
    pairs = compare(panel, sample)
    counts = pairs.groupby(["form", "financial_year"])["outcome"].value_counts().unstack()
    counts = counts.reindex(columns=list(OUTCOMES), fill_value=0).fillna(0).astype(int)
    shown = [
        "name",
        "gss_code",
        "form",
        "row",
        "financial_year",
        "source",
        "indicator",
        "value_gbp_thousand",
        "panel_value",
        "vintage",
    ]
    unmapped = with_measures(sample)["indicator"] == ""
    return {
        "verified": True,
        "sample_values": int(len(sample)),
        "not_compared": int(unmapped.sum()),
        "by_form_and_year": {
            f"{form} {year}": {o: int(n) for o, n in row.items()}
            for (form, year), row in counts.iterrows()
        },
        "totals": {o: int((pairs["outcome"] == o).sum()) for o in OUTCOMES},
        "disagreements": pairs.loc[pairs["outcome"] == "disagree", shown].to_dict("records"),
        "revisions": pairs.loc[pairs["outcome"] == "revised", shown].to_dict("records"),
    }
