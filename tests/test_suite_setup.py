"""The suite's own set-up holds: tests that share an example's terraform plans run on one pytest-xdist worker
(``--dist loadgroup`` and the ``xdist_group`` marks), so each plan is made once per run."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES, example_group
from tests.scheduling import cost_class


@example_group(EXAMPLES[0])
def test_grouped_tests_carry_their_group_to_the_scheduler(request: pytest.FixtureRequest) -> None:
    config = request.config
    if not hasattr(config, "workerinput"):
        assert config.getoption("numprocesses") in (None, 0), "xdist workers expected"
        return  # one process (-n 0): every test shares every plan
    assert config.getoption("loadgroup"), "run with --dist loadgroup (pyproject addopts)"
    # pytest-xdist groups by a suffix on the node ID; pytest 9.2 ignores how xdist 3.8 writes it (see pyproject)
    assert request.node.nodeid.endswith(f"@plans-{EXAMPLES[0].stem}"), request.node.nodeid



def test_the_long_tests_come_first(request: pytest.FixtureRequest) -> None:
    """tests/scheduling.py: the minutes-long tests first (each worker then takes its next unit from the front,
    so they start at once), then the terraform tests, then the rest."""
    classes = [cost_class(item) for item in request.session.items]
    assert classes == sorted(classes)
