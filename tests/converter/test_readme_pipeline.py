"""The README's "What it does" follows tools/converter/pipeline.py stage by stage."""

import pathlib
import re

from tools.converter import pipeline

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _section(title):
    text = README.read_text(encoding="utf-8")
    start = text.index(f"### {title}\n")
    return text[start:text.index("\n### ", start + 1)]


def test_what_it_does_lists_the_graph_stages_in_order():
    listed = re.findall(r"^\d+\. \*\*([^*]+)\*\*", _section("What it does"), re.MULTILINE)
    assert [name.lower() for name in listed] == [
        name.lower() for name, _ in pipeline.GRAPH_STAGES]


def test_what_it_does_names_the_pass_lists_and_layers_stages():
    section = _section("What it does")
    for name in ("GRAPH_STAGES", "OPTIMIZATION_PASSES", "LEGALIZATION_PASSES", "LAYERS_STAGES"):
        assert f"`{name}`" in section and hasattr(pipeline, name)
