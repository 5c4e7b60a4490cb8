"""Almanac's benchmark harness: a seeded dataset, the servers it drives, and the one load generator (see README.md)."""
