"""The `tfjs` module extension: sets up the converter environment the default toolchain uses."""

load(":converter_env.bzl", "SUPPORTED_PYTHONS", "converter_repositories")
load(":npm_packages.bzl", "tfjs_npm_repository")
load(":remote_model.bzl", "remote_model")

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

_remote_model_tag = tag_class(
    doc = "Declares a published model as the repository `@<name>`, whose `:model` target is a " +
          "`tfjs_web_model` src. A TF-Hub or Kaggle handle is fetched in its compressed form, " +
          "an archive URL as it is, a `.keras`/`.h5` URL as that file, by Bazel's downloader " +
          "(repository cache, `--distdir` and `.netrc` apply); archives are extracted by a " +
          "checker that refuses entries leading out of the repository.",
    attrs = {
        "name": attr.string(mandatory = True, doc = "The repository's name (then `use_repo` it)."),
        "url": attr.string(mandatory = True, doc = "A TF-Hub or Kaggle handle, or the URL of a " +
                                                  ".tar.gz/.tgz/.zip archive or .keras/.h5 file."),
        "sha256": attr.string(doc = "The sha256 of what the URL serves; required (the error " +
                                    "without it prints the digest to add)."),
        "strip_prefix": attr.string(doc = "A folder of the archive that holds the model."),
        "max_size_mb": attr.int(doc = "Largest total size of the extracted files in MiB (0: 16384)."),
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
    for module in module_ctx.modules:
        for tag in module.tags.remote_model:
            remote_model(
                name = tag.name,
                url = tag.url,
                sha256 = tag.sha256,
                strip_prefix = tag.strip_prefix,
                **({"max_size_mb": tag.max_size_mb} if tag.max_size_mb else {})
            )

tfjs = module_extension(
    implementation = _tfjs_impl,
    doc = """Creates `@tfjs_converter_env`, the Python environment of rules_tfjs's converter: one
repository per locked wheel, fetched by digest through Bazel's downloader (so the repository cache
holds them), unpacked, and declared as inputs of every conversion; and `@tfjs_npm`, the pinned TF.js 4.22 npm packages and
esbuild that `tfjs_model_test` and `tfjs_bundle` use (installed by `npm ci` when first needed).

In MODULE.bazel: `tfjs = use_extension("@rules_tfjs//rules:extensions.bzl", "tfjs")`, then
optionally `tfjs.converter(python_interpreter = "python3.12")`, and for each published model
`tfjs.remote_model(name = ..., url = ..., sha256 = ...)` with `use_repo(tfjs, name)`.""",
    tag_classes = {"converter": _converter_tag, "remote_model": _remote_model_tag},
)
