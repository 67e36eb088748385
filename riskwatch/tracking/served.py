"""The model a registered version is: a pyfunc model that returns the probability and
every contribution, so a version explains its scores without riskwatch's model code being
called directly; and loading a version or alias."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskwatch.models.scores import score_frame
from riskwatch.tracking.store import open_client, quiet

if TYPE_CHECKING:
    from mlflow.pyfunc import PyFuncModel

    from riskwatch.models import RiskModel


def load_model(name: str, version_or_alias: int | str) -> PyFuncModel:
    """Load a registered version (a number) or alias (e.g. ``champion``) as a pyfunc model."""
    ref = str(version_or_alias)
    uri = f"models:/{name}/{ref}" if ref.isdigit() else f"models:/{name}@{ref}"
    with quiet():
        import mlflow.pyfunc

        open_client()
        # The requirement check only warns, and _quiet hides MLflow's warnings anyway: skip
        # it, it scans every installed distribution (over a second per load).
        return mlflow.pyfunc.load_model(uri, suppress_warnings=True)


@functools.cache
def pyfunc_class() -> type:
    """The pyfunc wrapper, built on first use so importing this module stays cheap."""
    from mlflow.pyfunc import PythonModel

    class RiskwatchPyfunc(PythonModel):
        """A fitted riskwatch model answering with probability plus contributions, and
        why a row has no probability (its inputs all missing); a bad request is refused
        in one line (MLflow's server answers HTTP 400 with it)."""

        def __init__(self, model: RiskModel, inputs: list[str], numeric: list[str]) -> None:
            self.model = model
            self.inputs = inputs
            self.numeric_inputs = numeric

        def predict(
            self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
        ) -> pd.DataFrame:
            from mlflow.exceptions import MlflowException
            from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

            from riskwatch.errors import RiskwatchError
            from riskwatch.model_input import (
                ALL_MISSING,
                UNSCORED_BECAUSE,
                all_missing,
                checked_inputs,
            )

            # a model logged before its inputs were recorded is scored on what it is sent
            expected = getattr(self, "inputs", None) or list(model_input.columns)
            numeric = getattr(self, "numeric_inputs", None)
            try:
                inputs = checked_inputs(model_input, expected, numeric)
            except RiskwatchError as error:
                raise MlflowException(str(error), error_code=INVALID_PARAMETER_VALUE) from None
            scored = score_frame(inputs, self.model)
            unscored = all_missing(inputs, numeric)
            scored.loc[unscored, :] = float("nan")
            scored[UNSCORED_BECAUSE] = [ALL_MISSING if row else None for row in unscored]
            return scored

    return RiskwatchPyfunc
