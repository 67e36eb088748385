"""One module per publisher table: each reads its files into panel rows on the kit."""
