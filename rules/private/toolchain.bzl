"""The converter toolchain: which executable converts models."""

load(":python_tool.bzl", "PythonToolInputsInfo")

def _tfjs_toolchain_impl(ctx):
    converter = ctx.attr.converter
    return [platform_common.ToolchainInfo(
        converter = converter[DefaultInfo].files_to_run,
        converter_tools = converter[PythonToolInputsInfo].files if PythonToolInputsInfo in converter else depset(),
    )]

tfjs_toolchain = rule(
    implementation = _tfjs_toolchain_impl,
    doc = """Declares a converter for the `@rules_tfjs//rules/toolchain:type` toolchain.

The converter is any executable that takes the reference `tensorflowjs_converter`'s command
line (`[flags] INPUT OUTPUT`). Register it with a `toolchain()` target of that type to use it
instead of rules_tfjs's own converter.""",
    attrs = {
        "converter": attr.label(
            doc = "The converter executable, built for the execution platform.",
            mandatory = True,
            executable = True,
            cfg = "exec",
        ),
    },
)
