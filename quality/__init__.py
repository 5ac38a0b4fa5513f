"""great-expectations 1.x suites and their runner, free of Dagster (issue #5)."""
