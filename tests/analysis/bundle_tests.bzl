"""Analysis tests of tfjs_bundle: its two actions, its outputs, attribute validation."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "tfjs_bundle")
load(":web_model_tests.bzl", "failure_test")

_ENV = {"PATH": "/bin:/usr/bin:/usr/local/bin"}

def _actions_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    actions = {a.mnemonic: a for a in analysistest.target_actions(env)}
    select, bundle = actions["TfjsSelectKernels"], actions["TfjsBundle"]
    for action in [select, bundle]:
        asserts.equals(env, _ENV, action.env, "a fixed environment")
        for arg in action.argv[1:]:
            absolute = (arg.startswith("/") and not arg.startswith("//")) or "=/" in arg
            asserts.false(env, absolute, "no absolute path: " + arg)
    model_dir = [f for f in select.inputs.to_list() if f.is_directory][0]
    asserts.true(env, "//tests/analysis:full=" + model_dir.path in select.argv, "the model's directory")
    asserts.true(env, "--backend" in select.argv and "wasm" in select.argv)
    asserts.true(env, "--minify" in bundle.argv)
    tfjs_js = [f for f in select.outputs.to_list() if f.basename == "tfjs.js"][0]
    asserts.true(env, "--alias:@tensorflow/tfjs=./" + tfjs_js.path in bundle.argv, "@tensorflow/tfjs is the stand-in")
    asserts.true(env, tfjs_js in bundle.inputs.to_list())
    files = sorted([f.basename for f in target[DefaultInfo].files.to_list()])
    asserts.equals(env, ["bundle.js", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm", "tfjs-backend-wasm.wasm"], files)
    asserts.equals(env, ["report.json"], [f.basename for f in target[OutputGroupInfo].kernels.to_list()])
    return analysistest.end(env)

actions_test = analysistest.make(_actions_test_impl)

def bundle_test_suite(name):
    """Declares the targets under test and the tests of tfjs_bundle (uses :full and :keras_layers)."""
    tfjs_bundle(name = "bundle", entry_point = "testdata/page.js", models = [":full"], backends = ["wasm"], tags = ["manual"])
    actions_test(name = "bundle_actions_test", target_under_test = ":bundle")

    failures = {
        "unknown_backend": ({"backends": ["cpu", "gpu"]}, 'unknown backend "gpu": backends are chosen among ["cpu", "wasm", "webgl"]'),
        "backend_twice": ({"backends": ["webgl", "webgl"]}, 'backend "webgl" is given twice'),
        "no_backend": ({"backends": []}, "backends must name at least one of"),
        "layers_model": ({"models": [":keras_layers"]}, "//tests/analysis:keras_layers is a layers-model: tfjs_bundle reads the ops of graph models"),
    }
    for case, (attrs, message) in failures.items():
        tfjs_bundle(name = "bundle_" + case, entry_point = "testdata/page.js", tags = ["manual"], **attrs)
        failure_test(name = "bundle_%s_test" % case, target_under_test = ":bundle_" + case, message = message)
    native.test_suite(
        name = name,
        tests = [":bundle_actions_test"] + [":bundle_%s_test" % case for case in failures],
    )
