"""Analysis tests of tfjs_web_model: providers, the conversion action, attribute validation."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "TfjsModelInfo", "tfjs_web_model")

def _providers_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    info = target[TfjsModelInfo]
    files = target[DefaultInfo].files.to_list()
    asserts.equals(env, 1, len(files))
    asserts.true(env, files[0].is_directory, "the output is one tree artifact")
    asserts.equals(env, files[0], info.model_dir)
    asserts.equals(env, "full", info.model_dir.basename)
    asserts.equals(env, "graph-model", info.format)
    asserts.equals(env, "tf_saved_model", info.input_format)
    asserts.equals(env, "serving_default", info.signature_name)
    asserts.equals(env, {"float16": ["*"], "uint8": ["conv*", "dense*"]}, info.quantization)
    return analysistest.end(env)

providers_test = analysistest.make(_providers_test_impl)

def _action_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    actions = [a for a in analysistest.target_actions(env) if a.mnemonic == "TfjsConvert"]
    asserts.equals(env, 1, len(actions))
    argv = actions[0].argv
    model_dir = target[TfjsModelInfo].model_dir
    for expected in [
        "--input_format=tf_saved_model",
        "--output_format=tfjs_graph_model",
        "--signature_name=serving_default",
        "--saved_model_tags=serve,gpu",
        "--quantize_float16=*",
        "--quantize_uint8=conv*,dense*",
        "--weight_shard_size_bytes=1000",
        "--strip_debug_ops=true",
        "--control_flow_v2=true",
        "--use_structured_outputs_names=false",
        "--skip_op_check=false",
        "--split_weights_by_layer=false",
        "--metadata=labels:tests/analysis/testdata/labels.json",
    ]:
        asserts.true(env, expected in argv, "%s in %s" % (expected, argv))
    asserts.equals(env, ["--", "tests/analysis/testdata/saved_model", model_dir.path], argv[-3:])
    for arg in argv[1:]:
        asserts.false(env, arg.startswith("/"), "no absolute path on the command line: " + arg)
    asserts.equals(env, {}, actions[0].env, "no environment leaks into the action")
    inputs = [f.short_path for f in actions[0].inputs.to_list()]
    for expected in ["tests/analysis/testdata/saved_model/saved_model.pb",
                     "tests/analysis/testdata/labels.json"]:
        asserts.true(env, expected in inputs, expected + " is an input")
    asserts.equals(env, [model_dir], actions[0].outputs.to_list())

    # The converter's Python environment is declared: its wheels' files are inputs.
    wheel_files = [f for f in actions[0].inputs.to_list() if "tfjs_converter_wheel_tensorflow" in f.owner.workspace_name]
    asserts.true(env, [f for f in wheel_files if f.basename == "libtensorflow_cc.so.2"], "TensorFlow's library is an input")
    asserts.true(env, [f for f in wheel_files if f.path.endswith("site/tensorflow/__init__.py")], "TensorFlow's package is an input")
    return analysistest.end(env)

action_test = analysistest.make(_action_test_impl)

def _frozen_action_test_impl(ctx):
    env = analysistest.begin(ctx)
    argv = [a for a in analysistest.target_actions(env) if a.mnemonic == "TfjsConvert"][0].argv
    asserts.true(env, "--input_format=tf_frozen_model" in argv)
    asserts.true(env, "--output_node_names=out,aux" in argv)
    asserts.true(env, "--control_flow_v2=false" in argv)
    asserts.equals(env, "tests/analysis/testdata/graph.pb", argv[-2])
    return analysistest.end(env)

frozen_action_test = analysistest.make(_frozen_action_test_impl)

def _format_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    asserts.equals(env, ctx.attr.format, target[TfjsModelInfo].format)
    action = [a for a in analysistest.target_actions(env) if a.mnemonic == "TfjsConvert"][0]
    for expected in ctx.attr.flags:
        asserts.true(env, expected in action.argv, "%s in %s" % (expected, action.argv))
    input_path = ctx.attr.input_path
    if not input_path:  # the model.json of the tree artifact that src produced
        input_path = [f for f in action.inputs.to_list() if f.is_directory][0].path + "/model.json"
    asserts.equals(env, input_path, action.argv[-2])
    return analysistest.end(env)

format_test = analysistest.make(
    _format_test_impl,
    attrs = {"format": attr.string(), "flags": attr.string_list(), "input_path": attr.string()},
)

def _failure_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.message)
    return analysistest.end(env)

failure_test = analysistest.make(
    _failure_test_impl,
    expect_failure = True,
    attrs = {"message": attr.string()},
)

def web_model_test_suite(name):
    """Declares the targets under test and the tests of tfjs_web_model."""
    native.filegroup(name = "saved_model_files", srcs = native.glob(["testdata/saved_model/**"]))
    saved_model = ":saved_model_files"
    tfjs_web_model(
        name = "full",
        src = saved_model,
        signature_name = "serving_default",
        saved_model_tags = ["serve", "gpu"],
        quantize_float16 = ["*"],
        quantize_uint8 = ["conv*", "dense*"],
        weight_shard_size_bytes = 1000,
        strip_debug_ops = True,
        metadata = {"testdata/labels.json": "labels"},
        tags = ["manual"],
    )
    providers_test(name = "providers_test", target_under_test = ":full")
    action_test(name = "action_test", target_under_test = ":full")

    tfjs_web_model(
        name = "frozen",
        src = "testdata/graph.pb",
        input_format = "tf_frozen_model",
        output_node_names = ["out", "aux"],
        control_flow_v2 = False,
        tags = ["manual"],
    )
    frozen_action_test(name = "frozen_action_test", target_under_test = ":frozen")

    # Keras input: a layers model by default; then that layers model as a graph model.
    tfjs_web_model(name = "keras_layers", src = "testdata/model.keras", input_format = "keras_keras", tags = ["manual"])
    format_test(
        name = "layers_test",
        target_under_test = ":keras_layers",
        format = "layers-model",
        flags = ["--output_format=tfjs_layers_model"],
        input_path = "tests/analysis/testdata/model.keras",
    )
    tfjs_web_model(
        name = "layers_to_graph",
        src = ":keras_layers",
        input_format = "tfjs_layers_model",
        output_format = "tfjs_graph_model",
        tags = ["manual"],
    )
    format_test(
        name = "chained_test",
        target_under_test = ":layers_to_graph",
        format = "graph-model",
        flags = ["--input_format=tfjs_layers_model", "--output_format=tfjs_graph_model"],
    )
    tfjs_web_model(name = "layers_from_saved_model", src = saved_model, output_format = "tfjs_layers_model", tags = ["manual"])
    failure_test(
        name = "layers_from_saved_model_test",
        target_under_test = ":layers_from_saved_model",
        message = 'output_format "tfjs_layers_model" needs a Keras input_format (keras, keras_keras, keras_saved_model), not "tf_saved_model"',
    )

    tfjs_web_model(name = "bad_shard_size", src = saved_model, weight_shard_size_bytes = 0, tags = ["manual"])
    failure_test(
        name = "bad_shard_size_test",
        target_under_test = ":bad_shard_size",
        message = "weight_shard_size_bytes must be positive, got 0",
    )
    tfjs_web_model(
        name = "glob_claimed_twice",
        src = saved_model,
        quantize_float16 = ["conv*"],
        quantize_uint8 = ["conv*"],
        tags = ["manual"],
    )
    failure_test(
        name = "glob_claimed_twice_test",
        target_under_test = ":glob_claimed_twice",
        message = 'weight glob "conv*" is given to quantize_float16 and quantize_uint8',
    )
    tfjs_web_model(name = "not_a_saved_model", src = "testdata/labels.json", tags = ["manual"])
    failure_test(
        name = "not_a_saved_model_test",
        target_under_test = ":not_a_saved_model",
        message = "src must be a SavedModel directory",
    )
    native.test_suite(name = name, tests = [
        ":providers_test",
        ":action_test",
        ":frozen_action_test",
        ":layers_test",
        ":chained_test",
        ":layers_from_saved_model_test",
        ":bad_shard_size_test",
        ":glob_claimed_twice_test",
        ":not_a_saved_model_test",
    ])
