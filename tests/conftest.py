"""Shared fixtures. Terraform-backed fixtures never skip: a machine without terraform or the provider
mirror fails the tests with a message that says what is missing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.terraform.binary import TerraformRunner
from generator.terraform.discovery import TerraformUnavailable
from tests.terraform_plans import PlanCache

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


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


# the restore and drill tests' fixtures: stubs (botocore Stubber clients), acme_policy
pytest_plugins = ["tests.recovery_stubs"]
