"""Module extensions of rules_tfjs."""

load("//rules/private:extension.bzl", _tfjs = "tfjs")

tfjs = _tfjs
