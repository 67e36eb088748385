"""What the commands do beyond parsing and printing, a module per command group (as in
`riskwatch.cli`): `frames` (the tables and feature frames a command works on), `data`
(`data check`, `features`), `models` (`train`, `models promote`, the champion a command
scores with), `scoring` (`watchlist`, `explain`), `review`, `what_if` (`stress`,
`successors`), `flags` and `backtest`.

The command line calls these; they print nothing. Long work goes through a `progress`
factory (a description -> a wrapper over an iterable, which may draw a bar) and notes meant
for the user through `announce`, both given by the caller.
"""
