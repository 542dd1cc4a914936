"""static_site: a deployable directory with a page, its scripts, the TF.js bundle and a model."""

load("//rules:defs.bzl", "TfjsModelInfo")

def _static_site_impl(ctx):
    site = ctx.actions.declare_directory(ctx.label.name)
    model_dir = ctx.attr.model[TfjsModelInfo].model_dir
    inputs = ctx.files.srcs + [model_dir, ctx.file.tfjs_bundle]
    commands = ["mkdir -p \"$1/model\"", "cp \"$2\"/* \"$1/model/\"", "cp \"$3\" \"$1/tf.min.js\""]
    commands.extend(["cp \"%s\" \"$1/%s\"" % (f.path, f.basename) for f in ctx.files.srcs])
    ctx.actions.run_shell(
        command = " && ".join(commands),
        arguments = [site.path, model_dir.path, ctx.file.tfjs_bundle.path],
        inputs = inputs,
        outputs = [site],
        env = {"PATH": "/bin:/usr/bin"},
        mnemonic = "StaticSite",
        progress_message = "Assembling site %{label}",
    )
    return [DefaultInfo(files = depset([site]), runfiles = ctx.runfiles(files = [site]))]

static_site = rule(
    implementation = _static_site_impl,
    doc = "site/ = srcs + tf.min.js + model/ (model.json and shards of a tfjs_web_model).",
    attrs = {
        "srcs": attr.label_list(allow_files = True, doc = "The page's files (html, js, css)."),
        "model": attr.label(mandatory = True, providers = [TfjsModelInfo]),
        "tfjs_bundle": attr.label(mandatory = True, allow_single_file = [".js"]),
    },
)
