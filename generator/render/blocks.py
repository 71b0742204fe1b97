"""The block vocabulary: how a Terraform root is described, once, for every output format.

:mod:`generator.render.describe` turns the model into these blocks; HCL (:mod:`generator.render.hcl`),
Terraform JSON (:mod:`generator.render.tfjson`) and CDKTF (:mod:`generator.render.cdktf`) are writers of
them, and ``tests/test_format_equivalence.py`` proves with terraform plans that the three agree. Value types
inside ``args`` (and inside nested block bodies):

* ``str``, ``int``, ``bool`` and lists of them: literals (strings are literal text, never templates);
* :class:`~generator.model.nodes.Ref`: a Terraform reference (``aws_kms_key.x.arn``);
* :class:`JsonDoc`: ``jsonencode(value)`` of a document that may hold references;
* :class:`Blocks`: one or more nested blocks of one type (``rule { ... }``);
* :class:`Obj`: an object whose keys are argument names (written bare in HCL: ``aws = { source = ... }``);
* any other ``Mapping``: a map with arbitrary keys (tags), its keys always quoted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.model.nodes import Root

PROVIDER_SOURCE = "hashicorp/aws"


@dataclass(frozen=True, slots=True)
class JsonDoc:
    """``jsonencode(value)``: a JSON document (IAM/KMS/SNS policy) that may contain references."""

    value: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Blocks:
    """Nested blocks of one block type, in order (``rule {}``, ``lifecycle {}``...)."""

    bodies: tuple[Mapping[str, Any], ...]


def block(**args: Any) -> Blocks:
    """One nested block."""
    return Blocks((args,))


class Obj(dict[str, Any]):
    """An object-valued argument whose keys are argument names, not data (``assume_role = { role_arn = ... }``)."""


@dataclass(frozen=True, slots=True)
class Lifecycle:
    prevent_destroy: bool = False
    ignore_changes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resource:
    type: str
    label: str
    provider: str  # alias of an aws provider of the root
    args: Mapping[str, Any]
    depends_on: tuple[str, ...] = ()  # resource addresses
    lifecycle: Lifecycle | None = None
    comment: str = ""  # why the resource looks as it does (a comment above it in HCL, "//" in JSON)
    notes: Mapping[str, str] = field(default_factory=dict)  # argument (or "depends_on") -> comment above it

    @property
    def address(self) -> str:
        return f"{self.type}.{self.label}"


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    alias: str
    args: Mapping[str, Any]  # everything but the alias


@dataclass(frozen=True, slots=True)
class Output:
    name: str
    description: str
    value: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Settings:
    """The ``terraform {}`` block."""

    required_version: str
    provider_version: str
    backend: tuple[str, Mapping[str, Any]] | None  # ("s3", arguments); None: terraform's default (local)


Item = Settings | ProviderConfig | Resource | Output


@dataclass(frozen=True, slots=True)
class File:
    stem: str  # "vaults": vaults.tf, vaults.tf.json
    comment: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class RootBlocks:
    root: Root
    header: tuple[str, ...]  # sentences of the comment every file starts with
    files: tuple[File, ...] = field(default=())
