"""tools/docs/render_rule_docs.py: the text-format reader and the Markdown it writes. (That
README.md agrees with the docstrings is //tools/docs:readme_test, in `bazel test //...`.)"""

import pytest

from tools.docs import render_rule_docs

_MODULE = r'''
rule_info {
  rule_name: "my_rule"
  doc_string: "Does \'this\'.\n\nIn two \"paragraphs\"; caf\303\251."
  attribute {
    name: "src"
    doc_string: "A file | or two."
    type: LABEL
    mandatory: true
  }
  attribute {
    name: "flags"
    type: STRING_LIST
    default_value: "[\"-v\"]"
  }
}
provider_info {
  provider_name: "MyInfo"
  field_info {
    name: "out"
    doc_string: "The output."
  }
}
func_info {
  function_name: "my_macro"
}
module_docstring: "My rules."
file: "//rules:my.bzl"
'''


def test_parse_textproto_reads_nesting_repeats_and_escapes():
    module = render_rule_docs.parse_textproto(_MODULE)
    rule = module["rule_info"][0]
    assert rule["doc_string"] == ["Does 'this'.\n\nIn two \"paragraphs\"; café."]
    assert [a["name"][0] for a in rule["attribute"]] == ["src", "flags"]
    assert rule["attribute"][0]["mandatory"] == ["true"]
    assert rule["attribute"][1]["default_value"] == ['["-v"]']


@pytest.mark.parametrize("text", ['rule_info {', 'rule_info }', 'doc_string:', 'a: }'])
def test_malformed_textproto_is_an_error(text):
    with pytest.raises(ValueError):
        render_rule_docs.parse_textproto(text)


def test_render_module_writes_tables():
    markdown = render_rule_docs.render_module(render_rule_docs.parse_textproto(_MODULE))
    assert markdown.startswith("### `@rules_tfjs//rules:my.bzl`\n\nMy rules.\n\n#### `my_rule` (rule)")
    assert "| `src` | A file \\| or two. | label | yes |  |" in markdown
    assert '| `flags` |  | list of strings | no | `["-v"]` |' in markdown
    assert "#### `MyInfo` (provider)\n\n| field | doc |\n|---|---|\n| `out` | The output. |" in markdown
    assert markdown.endswith("#### `my_macro` (macro)")  # no parameters: no table


def test_unknown_kind_of_symbol_is_an_error():
    with pytest.raises(ValueError, match="no renderer for aspect_info"):
        render_rule_docs.render_module(render_rule_docs.parse_textproto(
            'aspect_info { aspect_name: "a" }\nfile: "//rules:a.bzl"'))


def test_replace_section_keeps_the_rest():
    readme = f"intro\n{render_rule_docs.BEGIN}\nold\n{render_rule_docs.END}\nrest\n"
    assert render_rule_docs.replace_section(readme, "new") == (
        f"intro\n{render_rule_docs.BEGIN}\n{render_rule_docs.NOTICE}\n\nnew\n\n"
        f"{render_rule_docs.END}\nrest\n")
    with pytest.raises(ValueError, match="needs a line"):
        render_rule_docs.replace_section("no markers", "new")
