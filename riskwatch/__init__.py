"""riskwatch: early-warning risk scores for English local authorities."""

__version__ = "0.1.0"
