"""The order tests run in, for a short wall time on few cores (tests/conftest.py wires it in).

* :func:`order_items`: the long end-to-end test first, then the tests that run terraform (they share plans
  per example, see tests/terraform_plans.py), then the rest. Only the order changes, never what runs.
* :class:`LongFirstScheduling`: ``--dist loadgroup`` over that order, as is (pytest-xdist would otherwise
  sort groups by their number of tests, which puts a one-test module last). A worker that holds a long
  test is given just one more test, taken from the end of the queue (the short ones): an xdist worker runs
  a test once it knows the next one, and whatever is queued behind a long test waits for it, so every other
  unit of work goes to the other workers.
* :func:`yield_to_long_tests`: a worker lowers its CPU priority (``nice`` 10, inherited by the terraform and
  provider processes it starts) before its first test that is not long-running. ``-n auto`` starts a worker
  more than there are cores (tests/conftest.py), so the workers share the cores; the long test, the suite's
  critical path, then gets a core whenever it can use one, and the others fill the rest.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

# Node ID prefixes of the tests that take minutes on their own: they start first, on a worker of their own.
LONG_RUNNING = ("tests/test_e2e_moto.py::",)
# Fixtures that run terraform (tests/conftest.py); tests marked ``terraform`` do as well.
TERRAFORM_FIXTURES = frozenset({"tf_runner", "plan_cache"})


def cost_class(item: pytest.Item) -> int:
    """0: a long-running test, 1: a test that runs terraform, 2: any other test."""
    if item.nodeid.startswith(LONG_RUNNING):
        return 0
    if item.get_closest_marker("terraform") or TERRAFORM_FIXTURES & set(getattr(item, "fixturenames", ())):
        return 1
    return 2


NICENESS = 10


def yield_to_long_tests(item: pytest.Item) -> None:
    """Lower this process's CPU priority once, before a test that is not long-running (only ever lowers it)."""
    if not item.nodeid.startswith(LONG_RUNNING) and os.getpriority(os.PRIO_PROCESS, 0) < NICENESS:
        os.setpriority(os.PRIO_PROCESS, 0, NICENESS)


def order_items(items: list[pytest.Item]) -> None:
    """Long tests first, then terraform tests, then the rest; collection order kept within each (stable)."""
    items.sort(key=cost_class)


def _long_running(nodeid: str) -> bool:
    return nodeid.startswith(LONG_RUNNING)


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadGroupScheduling

    class LongFirstScheduling(LoadGroupScheduling):  # type: ignore[misc]
        """``--dist loadgroup`` in collection order; a worker holding a long test gets one short test more."""

        def schedule(self) -> None:
            option = self.config.option
            reorder = option.loadscopereorder
            option.loadscopereorder = False  # keep the collection order (order_items)
            try:
                super().schedule()
            finally:
                option.loadscopereorder = reorder

        def _assign_work_unit(self, node: Any) -> None:
            held = self.assigned_work.get(node, {})
            if any(_long_running(nodeid) and not done for unit in held.values() for nodeid, done in unit.items()):
                # the short test that lets the worker start its long one; the rest goes elsewhere
                self.workqueue.move_to_end(next(reversed(self.workqueue)), last=False)
            super()._assign_work_unit(node)

    return LongFirstScheduling(config, log)
