"""HCL syntax without terraform: how strings are quoted and how ``=`` lines up (terraform fmt's rule). The
terraform-backed tests prove the same through ``fmt -check`` and plans; these fail fast and say which case."""

from __future__ import annotations

import pytest

from generator.model.nodes import Ref
from generator.render.blocks import JsonDoc, Obj
from generator.render.hcl_syntax import attribute_lines, hcl_value, quote

QUOTED = [
    ("plain", '"plain"'),
    ("", '""'),
    ('say "hi"', '"say \\"hi\\""'),
    ("back\\slash", '"back\\\\slash"'),
    ("${var.secret}", '"$${var.secret}"'),
    ("%{ if true }x%{ endif }", '"%%{ if true }x%%{ endif }"'),
    ("$5 and 50% stay", '"$5 and 50% stay"'),
    ("$${already}", '"$$${already}"'),
    ("line1\nline2\r\tend", '"line1\\nline2\\r\\tend"'),
    ("\u0001ctl\u007f", '"\\u0001ctl\\u007f"'),
    ("ünïcödé 日本 \u0085", '"ünïcödé 日本 \u0085"'),
]


@pytest.mark.parametrize(("text", "hcl"), QUOTED, ids=[repr(t) for t, _ in QUOTED])
def test_quote(text: str, hcl: str) -> None:
    assert quote(text) == hcl


def test_equals_line_up_in_runs_of_single_line_values() -> None:
    pairs = [("name", '"a"'), ("kms_key_arn", "x"), ("tags", "{\n}"), ("b", "1"), ("cc", "2")]
    assert attribute_lines(pairs, "  ") == ['  name        = "a"', "  kms_key_arn = x", "  tags = {\n}", "  b  = 1",
                                            "  cc = 2"]


def test_values_as_hcl() -> None:
    doc = JsonDoc({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": Ref("aws_sns_topic.t.arn")}]})
    assert hcl_value(doc, 1) == (
        'jsonencode({\n'
        '    "Version" = "2012-10-17"\n'
        '    "Statement" = [\n'
        '      {\n'
        '        "Effect"   = "Allow"\n'
        '        "Resource" = aws_sns_topic.t.arn\n'
        '      },\n'
        '    ]\n'
        '  })')
    assert hcl_value(Obj(role_arn="arn:x"), 2) == '{\n      role_arn = "arn:x"\n    }'
    assert hcl_value({"role_arn": "arn:x"}, 2) == '{\n      "role_arn" = "arn:x"\n    }'
    assert hcl_value([Ref("a.b"), "c", 3, True, None]) == '[a.b, "c", 3, true, null]'
