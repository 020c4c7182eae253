"""What the API reads and writes, one module per group of endpoints (as api/views/); base.py says how writes
are validated by the pages' own forms."""
