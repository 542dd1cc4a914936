"""The `tfjs` module extension: sets up the converter environment the default toolchain uses."""

load(":converter_env.bzl", "SUPPORTED_PYTHONS", "converter_repositories")
load(":npm_packages.bzl", "tfjs_npm_repository")

_converter_tag = tag_class(
    doc = "Configures the converter's Python environment. The root module's tag wins.",
    attrs = {
        "python_interpreter": attr.string(
            doc = "Path or name (on PATH) of a Python %s; default: the first found." %
                  " or ".join(SUPPORTED_PYTHONS),
        ),
        "python_interpreter_target": attr.label(
            doc = "A label of a Python interpreter file (wins over python_interpreter).",
        ),
    },
)

def _tfjs_impl(module_ctx):
    chosen = None
    for module in module_ctx.modules:
        for tag in module.tags.converter:
            if chosen == None or module.is_root:
                chosen = tag
    converter_repositories(
        python_interpreter = chosen.python_interpreter if chosen else "",
        python_interpreter_target = chosen.python_interpreter_target if chosen else None,
    )
    tfjs_npm_repository()

tfjs = module_extension(
    implementation = _tfjs_impl,
    doc = """Creates `@tfjs_converter_env`, the Python environment of rules_tfjs's converter: one
repository per locked wheel, fetched by digest through Bazel's downloader (so the repository cache
holds them), unpacked, and declared as inputs of every conversion; and `@tfjs_npm`, the pinned TF.js 4.22 npm packages and
esbuild that `tfjs_model_test` and `tfjs_bundle` use (installed by `npm ci` when first needed).

In MODULE.bazel: `tfjs = use_extension("@rules_tfjs//rules:extensions.bzl", "tfjs")`, then
optionally `tfjs.converter(python_interpreter = "python3.12")`.""",
    tag_classes = {"converter": _converter_tag},
)
