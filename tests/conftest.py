"""Shared fixtures. Terraform-backed fixtures never skip: a machine without terraform or the provider
mirror fails the tests with a message that says what is missing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.terraform.binary import TerraformRunner
from generator.terraform.discovery import TerraformUnavailable
from tests.scheduling import make_scheduler, order_items, yield_to_long_tests
from tests.terraform_plans import PlanCache, provider_override_runner

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))

# Go's garbage collector, for every terraform and provider process the tests start (terraform, and through it
# the provider, inherit this process's environment, as does the CLI when a test runs it). Each provider
# process builds the AWS provider's schema, some 500 MB, and the collector, run each time the heap has doubled,
# spends about a third of its CPU time on it. Collection off, up to a heap of 1 GiB (GOMEMLIMIT, the bound
# where it starts again; no terraform or provider process of the tests gets near it): measured on the landing
# zone's tests alone (-n 0), 241 -> 162 CPU seconds and 152 -> 110 s; the 12-root plan peaks at 4.6 GB of
# memory instead of 2.3 GB. The collector only ever changes speed and memory, never what a program computes.
# Set GOGC or GOMEMLIMIT yourself to override.
os.environ.setdefault("GOGC", "off")
os.environ.setdefault("GOMEMLIMIT", "1GiB")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    order_items(items)


def pytest_runtest_setup(item: pytest.Item) -> None:
    yield_to_long_tests(item)  # tests/scheduling.py


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: a worker per core and one more (tests/scheduling.py). The end-to-end test holds a worker for
    minutes but leaves its core idle half of that time: the AWS provider's waiters sleep between polls of the
    emulator (a KMS key takes 13 s to "propagate"). Measured on 2 cores, its apply: 204 s of wall time, 99 s of
    CPU. The extra worker keeps that core busy. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    return len(os.sched_getaffinity(0)) + 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` with the long tests started first (tests/scheduling.py)."""
    return make_scheduler(config, log) if config.getvalue("dist") == "loadgroup" else None


@pytest.fixture(scope="session")
def tf_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TerraformRunner]:
    work = tmp_path_factory.mktemp("terraform")
    try:
        runner = TerraformRunner.discover(work, dict(os.environ), offline=True)
    except TerraformUnavailable as exc:
        pytest.fail(f"terraform is required for this test: {exc.message} ({exc.hint})", pytrace=False)
    yield runner


@pytest.fixture(scope="session")
def plan_cache(tf_runner: TerraformRunner, tmp_path_factory: pytest.TempPathFactory) -> PlanCache:
    """Compiled examples and their offline plans, shared by the terraform-backed tests of one worker (the provider
    run in place: tests/terraform_plans.py, provider_override_runner)."""
    return PlanCache(provider_override_runner(tf_runner, tmp_path_factory.mktemp("plans")), tmp_path_factory)


def example_group(example: Path) -> pytest.MarkDecorator:
    """The xdist group of the tests that share an example's plans (so they run on one worker)."""
    return pytest.mark.xdist_group(f"plans-{example.stem}")


# the restore and drill tests' fixtures: stubs (botocore Stubber clients), acme_policy
pytest_plugins = ["tests.recovery_stubs"]
