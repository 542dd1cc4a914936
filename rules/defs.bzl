"""Public API of rules_tfjs."""

load("//rules/private:bundle.bzl", _tfjs_bundle = "tfjs_bundle")
load("//rules/private:model_test.bzl", _tfjs_model_test = "tfjs_model_test")
load("//rules/private:providers.bzl", _TfjsModelInfo = "TfjsModelInfo")
load("//rules/private:reference_outputs.bzl", _tfjs_reference_outputs = "tfjs_reference_outputs")
load("//rules/private:toolchain.bzl", _tfjs_toolchain = "tfjs_toolchain")
load("//rules/private:web_model.bzl", _tfjs_web_model = "tfjs_web_model")

TfjsModelInfo = _TfjsModelInfo
tfjs_bundle = _tfjs_bundle
tfjs_model_test = _tfjs_model_test
tfjs_reference_outputs = _tfjs_reference_outputs
tfjs_toolchain = _tfjs_toolchain
tfjs_web_model = _tfjs_web_model
