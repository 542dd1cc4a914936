"""Analysis tests of tfjs_model_test: the reference-outputs action, the test's runfiles, errors."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "TfjsModelInfo", "tfjs_model_test")
load(":web_model_tests.bzl", "failure_test")

def _reference_action_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    actions = [a for a in analysistest.target_actions(env) if a.mnemonic == "TfjsReferenceOutputs"]
    asserts.equals(env, 1, len(actions))
    argv = actions[0].argv
    reference = actions[0].outputs.to_list()
    asserts.equals(env, 1, len(reference))
    for expected in [
        "--input_format=tf_saved_model",
        "--signature_name=serving_default",
        "--saved_model_tags=serve,gpu",
        "--seed=7",
        "--input=x=tests/analysis/testdata/labels.json",
    ]:
        asserts.true(env, expected in argv, "%s in %s" % (expected, argv))
    asserts.equals(env, ["--", "tests/analysis/testdata/saved_model", reference[0].path], argv[-3:])
    for arg in argv[1:]:
        asserts.false(env, arg.startswith("/"), "no absolute path on the command line: " + arg)
    asserts.equals(env, {}, actions[0].env, "no environment leaks into the action")
    inputs = [f.short_path for f in actions[0].inputs.to_list()]
    for expected in ["tests/analysis/testdata/saved_model/saved_model.pb", "tests/analysis/testdata/labels.json"]:
        asserts.true(env, expected in inputs, expected + " is an input")
    asserts.true(env, [f for f in actions[0].inputs.to_list() if f.basename == "libtensorflow_cc.so.2"],
                 "TensorFlow runs the source model: the converter's environment is an input")

    # The test itself runs Node on the converted model and the reference: both in its runfiles.
    runfiles = target[DefaultInfo].default_runfiles.files.to_list()
    asserts.true(env, reference[0] in runfiles, "the reference is in the runfiles")
    model_dir = ctx.attr.model[TfjsModelInfo].model_dir
    asserts.true(env, model_dir in runfiles, "the converted model is in the runfiles")
    asserts.false(env, [f for f in runfiles if f.basename == "libtensorflow_cc.so.2"],
                  "the test runs no TensorFlow")
    return analysistest.end(env)

reference_action_test = analysistest.make(
    _reference_action_test_impl,
    attrs = {"model": attr.label(providers = [TfjsModelInfo])},
)

def model_test_test_suite(name, model):
    """Declares tfjs_model_test targets on MODEL (a tfjs_web_model) and their analysis tests."""
    tfjs_model_test(
        name = "checked",
        model = model,
        backends = ["cpu", "wasm"],
        seed = 7,
        inputs = {"x": "testdata/labels.json"},
        tags = ["manual"],
    )
    reference_action_test(name = "reference_action_test", target_under_test = ":checked", model = model)
    failures = {
        "webgl": (dict(backends = ["webgl"]), 'backend "webgl" needs a browser, and tfjs_model_test runs TF.js in Node'),
        "unknown_backend": (dict(backends = ["gpu"]), 'backend "gpu" is not one of ["cpu", "wasm"]'),
        "no_backend": (dict(backends = []), 'backends must name at least one of ["cpu", "wasm"]'),
        "negative_atol": (dict(atol = -1), "atol must be a number >= 0, got -1"),
    }
    for case, (attrs, message) in failures.items():
        tfjs_model_test(name = case, model = model, tags = ["manual"], **attrs)
        failure_test(name = case + "_test", target_under_test = ":" + case, message = message)
    native.test_suite(name = name, tests = [":reference_action_test"] + [":%s_test" % c for c in failures])
