"""A local Hubstaff: developer site, OAuth 2.0 / OpenID Connect server and API v2, for demos, tests and
benchmarks. Run ``python -m hubstaff_sandbox --help``; see docs/hubstaff.md and
``hubstaff_sandbox.testing.running_sandbox`` for tests."""

__all__ = ["__version__"]
__version__ = "1.0"
