"""The rules' format and dtype lists (rules/private/formats.bzl) are the converter's."""

import pathlib

from tools.converter import formats_bzl

_CHECKED_IN = pathlib.Path(__file__).resolve().parents[2] / "rules" / "private" / "formats.bzl"


def test_checked_in_formats_bzl_matches_options():
    assert _CHECKED_IN.read_text(encoding="utf-8") == formats_bzl.render(), (
        "regenerate: python -m tools.converter.formats_bzl > rules/private/formats.bzl")


def test_rendered_lists_hold_every_format():
    assert 'OUTPUT_FORMATS = ["tfjs_graph_model", "tfjs_layers_model"]' in formats_bzl.render()
    assert '"tf_saved_model", "tf_frozen_model", "tf_hub"' in formats_bzl.render()
