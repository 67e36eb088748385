"""Feature builders: documented indicators computed point-in-time from the panel."""
