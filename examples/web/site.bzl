"""static_site (a deployable directory: page, bundle, model) and demo_image (its input image)."""

load("//rules:defs.bzl", "TfjsModelInfo")

_ENV = {"PATH": "/bin:/usr/bin:/usr/local/bin"}

def _static_site_impl(ctx):
    site = ctx.actions.declare_directory(ctx.label.name)
    model_dir = ctx.attr.model[TfjsModelInfo].model_dir
    files = ctx.files.srcs + ctx.files.bundle
    commands = ["mkdir -p \"$1/model\"", "cp \"$2\"/* \"$1/model/\""]
    commands.extend(["cp \"%s\" \"$1/%s\"" % (f.path, f.basename) for f in files])
    ctx.actions.run_shell(
        command = " && ".join(commands),
        arguments = [site.path, model_dir.path],
        inputs = files + [model_dir],
        outputs = [site],
        env = _ENV,
        use_default_shell_env = False,
        mnemonic = "StaticSite",
        progress_message = "Assembling site %{label}",
    )
    return [DefaultInfo(files = depset([site]), runfiles = ctx.runfiles(files = [site]))]

static_site = rule(
    implementation = _static_site_impl,
    doc = "site/ = srcs + the bundle's files (script, wasm), side by side + model/ (a tfjs_web_model).",
    attrs = {
        "srcs": attr.label_list(allow_files = True, doc = "The page's files (html, css, images)."),
        "bundle": attr.label(mandatory = True, doc = "A tfjs_bundle: the page's script and wasm files."),
        "model": attr.label(mandatory = True, providers = [TfjsModelInfo]),
    },
)

def _demo_image_impl(ctx):
    png, npy = ctx.outputs.png, ctx.outputs.npy
    ctx.actions.run_shell(
        command = 'exec node "$@"',
        arguments = [ctx.file._script.path, png.path, npy.path],
        inputs = [ctx.file._script],
        outputs = [png, npy],
        env = _ENV,
        use_default_shell_env = False,
        mnemonic = "DemoImage",
        progress_message = "Drawing %{label}",
    )
    return [DefaultInfo(files = depset([png, npy]))]

demo_image = rule(
    implementation = _demo_image_impl,
    doc = "A seeded 224x224 RGB image (png) and the float32 model input made from it (npy).",
    attrs = {
        "png": attr.output(mandatory = True),
        "npy": attr.output(mandatory = True, doc = "[1, 224, 224, 3] float32, pixel / 127.5 - 1."),
        "_script": attr.label(default = ":make_image.js", allow_single_file = True),
    },
)
