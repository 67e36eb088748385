"""`python -m riskwatch.cli`: the same command line as the `riskwatch` script."""

from riskwatch.cli import main

main()
