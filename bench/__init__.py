"""Benchmarks of the sync engine, the pages and the scheduler: ``python -m bench [--quick | --smoke]``.

Not tests: nothing here asserts a time. Each section runs against PostgreSQL (a dedicated ``primetric_bench``
database, never the test one), Redis and the Hubstaff sandbox over real HTTP, prints a table, and the whole run is
written to docs/performance.md with the machine it ran on. See docs/performance.md for what each figure means.
"""
