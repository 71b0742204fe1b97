"""``audit.tf``: AWS Backup Audit Manager frameworks and report plans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.model.nodes import Ref, Root
from generator.render.blocks import Blocks, Resource


def describe(root: Root) -> Iterator[Resource]:
    for f in root.frameworks:
        controls = []
        for c in f.controls:
            control: dict[str, Any] = {"name": c.name}
            if c.parameters:
                control["input_parameter"] = Blocks(tuple({"name": n, "value": v} for n, v in c.parameters))
            controls.append(control)
        args: dict[str, Any] = {"name": f.name, "description": f.description}
        if controls:
            args["control"] = Blocks(tuple(controls))
        yield Resource("aws_backup_framework", f.label, f.provider, args)
    for r in root.reports:
        channel: dict[str, Any] = {"s3_bucket_name": r.s3_bucket}
        if r.s3_key_prefix:
            channel["s3_key_prefix"] = r.s3_key_prefix
        channel["formats"] = list(r.formats)
        setting: dict[str, Any] = {"report_template": r.template}
        if r.framework_labels:
            setting["framework_arns"] = [Ref(f"aws_backup_framework.{label}.arn") for label in r.framework_labels]
            setting["number_of_frameworks"] = len(r.framework_labels)
        yield Resource("aws_backup_report_plan", r.label, r.provider, {
            "name": r.name,
            "report_delivery_channel": Blocks((channel,)),
            "report_setting": Blocks((setting,)),
        })
