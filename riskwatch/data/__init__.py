"""Data layer: readers per source family, validation, and the embedded tidy tables."""
