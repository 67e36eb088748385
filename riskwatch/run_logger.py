"""Log a run to MLflow from a child process started early, so that importing MLflow and
opening its store (about three seconds) overlap the work that makes the run's contents.

The parent starts a `RunLogger` before its work, hands it the run when the work is done
and waits for the run id: a failure to log is still the parent's one-line error. The
child connects at once, then reads the run (params, metrics, tags, texts) as JSON on its
standard input and prints the run id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from riskwatch.errors import RiskwatchError


class RunLogger:
    """A child process, connected to the tracking store, waiting for one run to log."""

    def __init__(self) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", "riskwatch.run_logger"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def __enter__(self) -> RunLogger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """A run never handed over (the work failed) is not logged: stop the child."""
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()

    def log(self, **run: Any) -> str:
        """Log the run (`riskwatch.tracking.runs.log_run`'s arguments) and return its id."""
        out, err = self._child.communicate(json.dumps(run, default=str))
        if self._child.returncode != 0:
            lines = [line for line in err.splitlines() if line.strip()]
            reason = lines[-1].removeprefix("error: ") if lines else "no reason given"
            raise RiskwatchError(f"could not record the run in MLflow: {reason}")
        return out.strip().splitlines()[-1]


def main() -> None:
    from riskwatch.tracking import runs, store

    try:
        store.connect()
        run = json.loads(sys.stdin.read())
        print(runs.log_run(**run), flush=True)
    except RiskwatchError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        os._exit(2)
    # The run is complete and committed (MLflow writes a local store's rows and artifacts
    # as it goes): end without the interpreter's teardown, where MLflow's exit handlers
    # take about a second that the parent would spend waiting.
    os._exit(0)


if __name__ == "__main__":
    main()
