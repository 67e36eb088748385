"""`riskwatch flags backtest`: each review flag judged on its own over every as-of year."""

from __future__ import annotations

from pathlib import Path

from riskwatch.service.frames import ProgressFactory, load_frames, no_bars


def flag_table(data_dir: Path, progress: ProgressFactory = no_bars):
    """Each review flag on its own over every as-of year: council-years flagged, the
    failures that followed within 1 and 2 years, and whether it earns its place (kept,
    re-thresholded or dropped by configs/flags.toml's rule)."""
    from riskwatch.flags import flag_backtest, judge_flags, load_flags, load_rule
    from riskwatch.labels import failure_events, last_label_year

    tables, frames, _ = load_frames(data_dir, progress=progress)
    flags = load_flags(set(frames[max(frames)].columns))
    failures, covered = failure_events(tables["events"]), last_label_year()
    table = flag_backtest(frames, flags, failures, covered)
    verdicts = judge_flags(frames, flags, failures, covered, load_rule())
    return table.merge(verdicts, on="flag", how="left")
