"""The shared core of every study: cell store, seeding, code versions, job runner, paths, tables, plot style."""
