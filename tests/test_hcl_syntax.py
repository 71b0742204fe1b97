"""HCL syntax without terraform: how strings are quoted and how ``=`` lines up (terraform fmt's rule). The
terraform-backed tests prove the same through ``fmt -check`` and plans; these fail fast and say which case."""

from __future__ import annotations

import pytest

from generator.model.nodes import Ref
from generator.render.blocks import JsonDoc, Obj
from generator.render.hcl_syntax import attribute_lines, hcl_value, quote

# (test id, text, the HCL quoted string Terraform reads back as text); ids in ASCII so that a test can be named
# on the command line (mutmut does)
QUOTED = [
    ("plain", "plain", '"plain"'),
    ("empty", "", '""'),
    ("quotes", 'say "hi"', '"say \\"hi\\""'),
    ("backslash", "back\\slash", '"back\\\\slash"'),
    ("interpolation", "${var.secret}", '"$${var.secret}"'),
    ("directive", "%{ if true }x%{ endif }", '"%%{ if true }x%%{ endif }"'),
    ("lone-dollar-and-percent", "$5 and 50% stay", '"$5 and 50% stay"'),
    ("escaped-interpolation", "$${already}", '"$$${already}"'),
    ("line-breaks-and-tab", "line1\nline2\r\tend", '"line1\\nline2\\r\\tend"'),
    ("control-characters", "\u0001ctl\u007f", '"\\u0001ctl\\u007f"'),
    ("unicode", "ünïcödé 日本 \u0085", '"ünïcödé 日本 \u0085"'),
    ("sequences-at-the-end", "a ${", '"a $${"'),
    ("directive-at-the-end", "a %{", '"a %%{"'),
    ("dollar-at-the-end", 'a "$', '"a \\"$"'),
    ("other-braces", 'X{"}', '"X{\\"}"'),
    ("nul-and-escape", "\x00\x1b\x1f", '"\\u0000\\u001b\\u001f"'),
]


@pytest.mark.parametrize(("text", "hcl"), [(t, h) for _, t, h in QUOTED], ids=[i for i, _, _ in QUOTED])
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
    assert hcl_value(False) == "false" and hcl_value({}) == "{}" and hcl_value(1.5) == "1.5"
    assert hcl_value({"a": [JsonDoc({"b": 1})]}) == '{\n  "a" = [jsonencode({\n    "b" = 1\n  })]\n}'
    assert hcl_value([{"a": 1}, {"b": "c"}]) == '[\n  {\n    "a" = 1\n  },\n  {\n    "b" = "c"\n  },\n]'
    with pytest.raises(TypeError, match=r"^cannot render set as HCL$"):
        hcl_value({"x"})
