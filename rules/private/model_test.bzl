"""tfjs_model_test: a converted model checked against TensorFlow on its own source model."""

load(":providers.bzl", "TfjsModelInfo")
load(":reference_outputs.bzl", "REFERENCE_ATTRS", "reference_outputs_action")

NODE_BACKENDS = ["cpu", "wasm"]

_LAUNCHER = """#!/bin/sh
# Runs tools/js/model_test.js with the pinned @tensorflow/tfjs (Bazel starts tests in the runfiles).
set -eu
if ! command -v node >/dev/null 2>&1; then
  echo "tfjs_model_test: node is not on PATH ($PATH); the test runs TF.js in Node" >&2
  exit 1
fi
NODE_PATH={node_modules} exec node --preserve-symlinks --preserve-symlinks-main {script} \\
  {model_dir} {reference} {backends} {atol} {rtol}
"""

def _tolerance(name, value):
    number = float(value)
    if number < 0 or number != number:
        fail("%s must be a number >= 0, got %s" % (name, value))
    return value

def _node_modules(files):
    """The runfiles path (relative to a test's working directory) of @tfjs_npm's node_modules."""
    path = files[0].short_path
    return path[:path.index("/node_modules/") + len("/node_modules")]

def _tfjs_model_test_impl(ctx):
    backends = ctx.attr.backends
    if not backends:
        fail("backends must name at least one of %s" % NODE_BACKENDS)
    for backend in backends:
        if backend == "webgl":
            fail("backend \"webgl\" needs a browser, and tfjs_model_test runs TF.js in Node: use " +
                 "%s (a page's webgl numbers are checked in a browser test, e.g. " % NODE_BACKENDS +
                 "//examples/web:browser_test)")
        if backend not in NODE_BACKENDS:
            fail("backend %r is not one of %s" % (backend, NODE_BACKENDS))
    info = ctx.attr.model[TfjsModelInfo]
    reference = ctx.actions.declare_file(ctx.label.name + ".reference.json")
    reference_outputs_action(ctx, ctx.attr.model, reference)
    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(launcher, is_executable = True, content = _LAUNCHER.format(
        node_modules = _node_modules(ctx.files._node_modules),
        script = ctx.file._script.short_path,
        model_dir = info.model_dir.short_path,
        reference = reference.short_path,
        backends = ",".join(backends),
        atol = _tolerance("atol", ctx.attr.atol),
        rtol = _tolerance("rtol", ctx.attr.rtol),
    ))
    runfiles = ctx.runfiles(
        files = [info.model_dir, reference, ctx.file._script] + ctx.files._script_deps +
                ctx.files._node_modules,
    )
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

_tfjs_model_test = rule(
    implementation = _tfjs_model_test_impl,
    doc = "The rule behind the tfjs_model_test macro (which takes numbers and {name: file} inputs).",
    test = True,
    attrs = dict(
        REFERENCE_ATTRS,
        model = attr.label(mandatory = True, providers = [TfjsModelInfo], doc = "A tfjs_web_model."),
        backends = attr.string_list(default = ["cpu"], doc = "TF.js backends: %s." % NODE_BACKENDS),
        atol = attr.string(default = "1e-5", doc = "Absolute tolerance of float outputs."),
        rtol = attr.string(default = "1e-5", doc = "Relative tolerance of float outputs."),
        _script = attr.label(default = "//tools/js:model_test.js", allow_single_file = True),
        _script_deps = attr.label_list(default = ["//tools/js:graph_model_io.js"], allow_files = True),
        _node_modules = attr.label(default = "@tfjs_npm//:node_modules"),
    ),
)

def tfjs_model_test(name, model, backends = None, atol = 1e-5, rtol = 1e-5, seed = 0, inputs = None, **kwargs):
    """Checks a converted model against TensorFlow on its own source model, at `bazel test` time.

    A build action runs the source model (from the model's `TfjsModelInfo`: its files, input
    format, signature, tags, output nodes) in TensorFlow, in the converter's environment, on
    inputs drawn from `seed` or given in `inputs`; the test then runs only Node with the pinned
    @tensorflow/tfjs 4.22, loads the converted model (graph models with `execute`, or
    `executeAsync` when they hold dynamic ops; layers models with `predict`) and compares each
    output on each backend. A mismatch fails with one line per output and backend: the output's
    name, the backend, the largest error and where, and the tolerance. Float outputs match when
    `|TF.js - TensorFlow| <= atol + rtol * |TensorFlow|`; other dtypes must be equal.

    ```starlark
    tfjs_model_test(
        name = "mobilenet_web_test",
        model = ":mobilenet_web",
        backends = ["cpu", "wasm"],
        atol = 1e-4,
        rtol = 1e-4,
        inputs = {"image": ":cat.npy"},   # else drawn from `seed`
    )
    ```

    Args:
      name: the test's name.
      model: a `tfjs_web_model` (graph or layers).
      backends: TF.js backends to run on: "cpu" (None: only it) and/or "wasm"; "webgl" needs a
        browser and fails analysis.
      atol: absolute tolerance of float outputs, a number >= 0.
      rtol: relative tolerance of float outputs, a number >= 0.
      seed: seed of the inputs not given in `inputs`, drawn from the source model's input
        dtypes and shapes (floats: standard normal; integers: [0, 4); an unknown batch
        dimension: 1; other unknown dimensions must be given).
      inputs: {input name: label of a .npy or .json file}; a name the model lacks fails the
        build, naming its inputs.
      **kwargs: common test attributes (size, tags, ...).
    """
    for key, value in (("atol", atol), ("rtol", rtol)):
        if type(value) not in ("float", "int"):
            fail("tfjs_model_test %r: %s must be a number, got %r" % (name, key, value))
    files = {}
    for input_name, label in (inputs or {}).items():
        if label in files:
            fail("tfjs_model_test %r: %s is given for inputs %r and %r" % (name, label, files[label], input_name))
        files[label] = input_name
    _tfjs_model_test(
        name = name,
        model = model,
        backends = backends if backends != None else ["cpu"],
        atol = repr(atol),
        rtol = repr(rtol),
        seed = seed,
        inputs = files,
        **kwargs
    )
