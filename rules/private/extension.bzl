"""The `tfjs` module extension: sets up the converter environment the default toolchain uses."""

load(":converter_env.bzl", "converter_env")

_converter_tag = tag_class(
    doc = "Configures the converter's Python environment. The root module's tag wins.",
    attrs = {
        "python_interpreter": attr.string(
            doc = "Path or name (on PATH) of a Python 3.11-3.13; default: the first found.",
        ),
        "python_interpreter_target": attr.label(
            doc = "A label of a Python 3.11-3.13 interpreter file.",
        ),
    },
)

def _tfjs_impl(module_ctx):
    chosen = None
    for module in module_ctx.modules:
        for tag in module.tags.converter:
            if chosen == None or module.is_root:
                chosen = tag
    converter_env(
        name = "tfjs_converter_env",
        python_interpreter = chosen.python_interpreter if chosen else "",
        python_interpreter_target = chosen.python_interpreter_target if chosen else None,
    )

tfjs = module_extension(
    implementation = _tfjs_impl,
    doc = """Creates `@tfjs_converter_env`, the Python environment of rules_tfjs's converter.

In MODULE.bazel: `tfjs = use_extension("@rules_tfjs//rules:extensions.bzl", "tfjs")`, then
optionally `tfjs.converter(python_interpreter = "python3.12")`.""",
    tag_classes = {"converter": _converter_tag},
)
