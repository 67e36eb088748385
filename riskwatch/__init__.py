"""riskwatch: early-warning risk scores for English local authorities."""

from pathlib import Path

from riskwatch._checkout import map_sibling_packages

__version__ = "0.1.0"

map_sibling_packages(Path(__file__).resolve().parent)
