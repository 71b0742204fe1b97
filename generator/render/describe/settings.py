"""``settings.tf``: Aurora DSQL opted in to AWS Backup per Region, and the organization's global settings."""

from __future__ import annotations

from collections.abc import Iterator

from generator.model.nodes import Root
from generator.render.blocks import Lifecycle, Resource


def describe(root: Root) -> Iterator[Resource]:
    for s in root.region_settings:
        yield Resource(
            "aws_backup_region_settings", s.label, s.provider, {"resource_type_opt_in_preference": {"DSQL": True}},
            lifecycle=Lifecycle(ignore_changes=("resource_type_opt_in_preference",
                                                "resource_type_management_preference")),
            comment=f"Opts Aurora DSQL in to AWS Backup in {s.region}. AWS returns every resource type of the "
            "Region on read; only DSQL is asserted (at creation), so other services' opt-ins are left alone and "
            "no perpetual diff appears.",
        )
    if g := root.global_settings:
        left = ", ".join(g.left_alone)
        yield Resource(
            "aws_backup_global_settings", g.label, g.provider, {"global_settings": dict(g.settings)},
            lifecycle=Lifecycle(ignore_changes=tuple(f'global_settings["{k}"]' for k in g.left_alone))
            if g.left_alone else None,
            comment="Organization-wide AWS Backup settings (management account only): only those the policy asks "
            "for." + (f" {left} stay as the organization has them: never written (\"false\" would switch the "
                      "feature off for every account), and their values are ignored on read." if left else ""),
        )
