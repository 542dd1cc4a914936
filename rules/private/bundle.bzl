"""tfjs_bundle: a page's JavaScript bundled by esbuild with only the TF.js kernels its models use."""

load(":providers.bzl", "TfjsModelInfo")

BACKENDS = ["cpu", "wasm", "webgl"]

_ENV = {"PATH": "/bin:/usr/bin:/usr/local/bin"}

def _node_modules_dir(file):
    """The exec path of the node_modules directory holding `file`."""
    return file.path[:file.path.index("/node_modules/") + len("/node_modules")]

def _label_text(label):
    """//pkg:name for the main repository's labels (str() gives @@//pkg:name), else str()."""
    return "//%s:%s" % (label.package, label.name) if not label.workspace_name else str(label)

def _check_attrs(ctx):
    backends = ctx.attr.backends
    if not backends:
        fail("backends must name at least one of %s" % BACKENDS)
    for i, backend in enumerate(backends):
        if backend not in BACKENDS:
            fail('unknown backend "%s": backends are chosen among %s' % (backend, BACKENDS))
        if backend in backends[:i]:
            fail('backend "%s" is given twice' % backend)
    for model in ctx.attr.models:
        if model[TfjsModelInfo].format != "graph-model":
            fail("%s is a %s: tfjs_bundle reads the ops of graph models" % (_label_text(model.label), model[TfjsModelInfo].format))

def _tfjs_bundle_impl(ctx):
    _check_attrs(ctx)
    node_modules = _node_modules_dir(ctx.file._kernel2op)
    npm_files = ctx.attr._node_modules[DefaultInfo].files

    # 1. The stand-ins for '@tensorflow/tfjs' and tfjs-core's ops_for_converter.
    modules = {
        name: ctx.actions.declare_file("%s_modules/%s" % (ctx.label.name, name))
        for name in ["tfjs.js", "core.js", "ops_for_converter.js", "report.json"]
    }
    args = ctx.actions.args()
    args.add(ctx.file._select_kernels)
    args.add("--node_modules", node_modules)
    args.add("--out", modules["tfjs.js"].dirname)
    args.add_all(ctx.attr.backends, before_each = "--backend")
    args.add_all(ctx.attr.ops, before_each = "--op")
    model_dirs = [m[TfjsModelInfo].model_dir for m in ctx.attr.models]
    for model, model_dir in zip(ctx.attr.models, model_dirs):
        args.add("--model", "%s=%s" % (_label_text(model.label), model_dir.path))
    ctx.actions.run_shell(
        command = 'exec node "$@"',
        arguments = [args],
        inputs = depset([ctx.file._select_kernels] + model_dirs, transitive = [npm_files]),
        outputs = modules.values(),
        env = _ENV,
        use_default_shell_env = False,
        mnemonic = "TfjsSelectKernels",
        progress_message = "Selecting TF.js kernels for %{label}",
    )

    # 2. esbuild, with TF.js's entry points aliased to the stand-ins (as TF.js's custom bundles do).
    bundle = ctx.actions.declare_file("%s/%s.js" % (ctx.label.name, ctx.label.name))
    args = ctx.actions.args()
    args.add(ctx.file.entry_point)
    args.add_all(["--bundle", "--format=esm", "--platform=browser", "--charset=utf8", "--preserve-symlinks"])
    args.add("--outfile=" + bundle.path)
    if ctx.attr.minify:
        args.add("--minify")

    # Converter executors read every op from ops_for_converter; those the models do not use are absent.
    args.add("--log-override:import-is-undefined=silent")
    args.add("--log-level=warning")
    aliases = {
        "@tensorflow/tfjs": modules["tfjs.js"].path,
        "@tensorflow/tfjs-core": modules["core.js"].path,
        "@tensorflow/tfjs-core/dist": node_modules + "/@tensorflow/tfjs-core/dist",
        "@tensorflow/tfjs-core/dist/ops/ops_for_converter": modules["ops_for_converter.js"].path,
        "@tensorflow/tfjs-converter": node_modules + "/@tensorflow/tfjs-converter/dist/index.js",
    }
    for backend in ctx.attr.backends:
        aliases["@tensorflow/tfjs-backend-" + backend] = node_modules + "/@tensorflow/tfjs-backend-" + backend
    for name, target in sorted(aliases.items()):
        args.add("--alias:%s=./%s" % (name, target))
    ctx.actions.run(
        executable = ctx.executable._esbuild,
        arguments = [args],
        inputs = depset(
            [ctx.file.entry_point, modules["tfjs.js"], modules["core.js"], modules["ops_for_converter.js"]] + ctx.files.srcs,
            transitive = [npm_files],
        ),
        outputs = [bundle],
        env = _ENV,
        use_default_shell_env = False,
        mnemonic = "TfjsBundle",
        progress_message = "Bundling %{label} with TF.js (" + ", ".join(ctx.attr.backends) + ")",
    )

    # setWasmPaths(<the bundle's directory>) finds them next to the bundle.
    wasm_files = []
    if "wasm" in ctx.attr.backends:
        for src in ctx.files._wasm_files:
            out = ctx.actions.declare_file("%s/%s" % (ctx.label.name, src.basename))
            ctx.actions.symlink(output = out, target_file = src)
            wasm_files.append(out)
    return [
        DefaultInfo(files = depset([bundle] + wasm_files)),
        OutputGroupInfo(
            bundle = depset([bundle]),
            wasm_files = depset(wasm_files),
            kernels = depset([modules["report.json"]]),
        ),
    ]

tfjs_bundle = rule(
    implementation = _tfjs_bundle_impl,
    doc = """A web page's JavaScript bundled by esbuild with TF.js 4.22's modular packages.

The page imports `@tensorflow/tfjs` (for instance `import * as tf from '@tensorflow/tfjs'`),
which stands for tfjs-core, tfjs-converter and the chosen backends. Given `models`, only the kernels
those graph models run are registered (TF.js's size-optimised bundles): each model.json's ops
(graph nodes, function bodies, model initializer) become tfjs-core ops through tfjs-converter's
`metadata/kernel2op.json`, and each op the kernels its tfjs-core module (and the op modules it
imports) runs; `cast` and `clone` (tensor methods) always count. A model op TF.js does not know, or
an op whose kernel one of the backends lacks, fails the build in one line. Without `models`, every
kernel of the backends is registered.

Outputs, in `<name>/`: `<name>.js`, and with the wasm backend `tfjs-backend-wasm*.wasm` (the page
calls `setWasmPaths` with the bundle's directory). Output groups: `bundle`, `wasm_files`, and
`kernels` (`<name>_modules/report.json`: each model's ops and the kernels registered per backend).
""",
    attrs = {
        "entry_point": attr.label(
            mandatory = True,
            allow_single_file = [".js", ".mjs"],
            doc = "The page's main script, an ES module importing `@tensorflow/tfjs`.",
        ),
        "srcs": attr.label_list(
            allow_files = [".js", ".mjs", ".json"],
            doc = "Other `.js`, `.mjs` or `.json` files the entry point imports (relative " +
                  "imports, in the same tree).",
        ),
        "models": attr.label_list(
            providers = [TfjsModelInfo],
            doc = "`tfjs_web_model` graph models whose kernels to register (a layers model " +
                  "fails analysis). Empty: every kernel of the backends.",
        ),
        "backends": attr.string_list(
            default = ["cpu", "webgl"],
            doc = "TF.js backends to include, among " + ", ".join(["`%s`" % b for b in BACKENDS]) +
                  " (another value, a repeat or none fails analysis).",
        ),
        "ops": attr.string_list(
            doc = "tfjs-core ops the page calls itself (for instance `browser.fromPixels`, `div`), " +
                  "whose kernels are registered too when `models` is given.",
        ),
        "minify": attr.bool(default = True, doc = "Minify the bundle (esbuild's `--minify`)."),
        "_esbuild": attr.label(
            default = "@tfjs_npm//:node_modules/@esbuild/linux-x64/bin/esbuild",
            allow_single_file = True,
            executable = True,
            cfg = "exec",
        ),
        "_kernel2op": attr.label(
            default = "@tfjs_npm//:node_modules/@tensorflow/tfjs-converter/metadata/kernel2op.json",
            allow_single_file = True,
        ),
        "_node_modules": attr.label(default = "@tfjs_npm//:node_modules"),
        "_select_kernels": attr.label(default = "//tools/js:select_kernels.js", allow_single_file = True),
        "_wasm_files": attr.label(default = "@tfjs_npm//:wasm_files"),
    },
)
