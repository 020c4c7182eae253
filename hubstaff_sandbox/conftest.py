"""Pytest setup for the sandbox's own tests. They need no Django: they talk HTTP to a sandbox subprocess.

Works with ``python -m pytest hubstaff_sandbox -q`` and with ``-p no:django``.
"""

import pytest

from hubstaff_sandbox.testing import DEMO_SCENARIO, running_sandbox


@pytest.fixture(scope="session")
def demo():
    """One shared sandbox with the demo scenario; tests must not leave faults behind (see ``hs``)."""
    with running_sandbox(scenario=DEMO_SCENARIO, rate_limit=100000) as sandbox:
        yield sandbox


@pytest.fixture
def hs(demo):
    """The shared demo sandbox, with faults and clock side effects cleaned up after each test."""
    yield demo
    demo.reset_faults()


@pytest.fixture
def fresh():
    """A sandbox of its own (demo scenario), for tests that change data or global state."""
    with running_sandbox(scenario=DEMO_SCENARIO) as sandbox:
        yield sandbox
