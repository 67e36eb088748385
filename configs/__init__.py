"""Default TOML configuration shipped with riskwatch (label definition, bands, runs)."""
