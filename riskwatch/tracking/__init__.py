"""MLflow records of training runs and the model registry, a module per job: `store` (the
tracking store's URI, a checked client, quiet MLflow), `runs` (logging training, backtest,
review and stress runs; finding backtests), `served` (the pyfunc model a version is, and
loading it), `registry` (versions, aliases and their tags) and `registration` (registering
a version with an alias all or nothing, and removing interrupted registrations).

The store is ``MLFLOW_TRACKING_URI`` when set (a team server), otherwise a SQLite database
``mlflow.db`` in the working directory with artifacts in ``mlartifacts/`` beside it; the
same URI serves as the registry. Versions are promoted with aliases (``champion``,
``challenger``), never the deprecated stages.

MLflow is imported inside the functions: importing it takes seconds, and ``riskwatch
--help`` should not.
"""
