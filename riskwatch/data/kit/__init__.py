"""The reader kit every source stands on: opening files, locating headers and columns, parsing cells, matching authorities, years, and writing panel rows."""
