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
from tests.scheduling import make_scheduler, order_items
from tests.terraform_plans import PlanCache

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    order_items(items)


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
    """Compiled examples and their offline plans, shared by the terraform-backed tests of one worker."""
    return PlanCache(tf_runner, tmp_path_factory)


def example_group(example: Path) -> pytest.MarkDecorator:
    """The xdist group of the tests that share an example's plans (so they run on one worker)."""
    return pytest.mark.xdist_group(f"plans-{example.stem}")
