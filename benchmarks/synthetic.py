"""SYNTHETIC feature frames for scale benchmarks ONLY. Never real councils, never a default.

riskwatch runs on real public data; nothing in the package imports this module.
It exists so `benchmarks/bench_scale.py` can ask what scoring would cost for far
more local governments than England has (the US has ~90,000; 1.8 M
authority-years is ~90,000 bodies over 20 years).

How a synthetic frame is made (plausible, not realistic):

* every row is a real authority-year from the embedded data (any year, any
  class), drawn at random with replacement, so the joint distribution, the
  correlations between features and the pattern of missing values are real;
* each continuous feature then gets Gaussian jitter of 10% of its robust spread
  (IQR / 1.349 over the real rows), clipped to the real minimum and maximum,
  so no two synthetic rows are copies; features whose real values are all
  whole numbers (counts, flags, grades) are left as drawn;
* identifiers are unmistakable: `gss_code` is `SYNTHETIC-00000001`, ...,
  `as_of` is one real financial year for every row (one review of N bodies),
  and `frame.attrs["synthetic"]` is True.

    from benchmarks.synthetic import reference_rows, synthetic_frame
    frame = synthetic_frame(100_000, reference_rows(real_frames), seed=0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SYNTHETIC_PREFIX = "SYNTHETIC-"
ID_COLUMNS = ("gss_code", "class", "as_of")
JITTER = 0.10


def reference_rows(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every real authority-year of the given feature frames, stacked (the pool to draw from)."""
    return pd.concat(frames.values(), ignore_index=True)


def synthetic_frame(
    n: int, reference: pd.DataFrame, seed: int = 0, as_of: str | None = None
) -> pd.DataFrame:
    """A SYNTHETIC feature frame of n rows with the reference's columns (see module docstring)."""
    rng = np.random.default_rng(seed)
    numeric = [c for c in reference.columns if c not in ID_COLUMNS and is_numeric(reference[c])]
    pool = reference[numeric].to_numpy(dtype=np.float64, na_value=np.nan)
    drawn = rng.integers(0, len(reference), size=n)
    values = pool[drawn]  # (n, features) float64, NaN where the real row was missing
    del pool
    for j in range(values.shape[1]):
        real = reference[numeric[j]].to_numpy(dtype=np.float64, na_value=np.nan)
        real = real[np.isfinite(real)]
        if real.size == 0 or np.all(real == np.round(real)):
            continue
        q1, q3 = np.percentile(real, [25, 75])
        spread = (q3 - q1) / 1.349 or real.std()
        if not spread:
            continue
        column = values[:, j]  # a view: jitter in place, one column at a time
        column += rng.standard_normal(n) * (JITTER * spread)
        np.clip(column, real.min(), real.max(), out=column)
    frame = pd.DataFrame(values, columns=numeric, copy=False)
    year = as_of or str(reference["as_of"].max())
    identifiers = pd.DataFrame(
        {
            "gss_code": pd.array(
                np.char.add(SYNTHETIC_PREFIX, np.char.zfill(np.arange(1, n + 1).astype(str), 8)),
                dtype="string",
            ),
            "class": pd.Categorical(reference["class"].to_numpy()[drawn]),
            "as_of": pd.Categorical([year] * n) if n else pd.Categorical([]),
        }
    )
    out = pd.concat([identifiers, frame], axis=1)
    out.attrs["synthetic"] = True
    return out


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def chunks(n: int, size: int):
    """(start, stop) pairs covering range(n) in blocks of `size`."""
    for start in range(0, n, size):
        yield start, min(start + size, n)
