"""The converter toolchain: which executable converts models."""

def _tfjs_toolchain_impl(ctx):
    return [platform_common.ToolchainInfo(
        converter = ctx.attr.converter[DefaultInfo].files_to_run,
    )]

tfjs_toolchain = rule(
    implementation = _tfjs_toolchain_impl,
    doc = """Declares a converter for the `@rules_tfjs//rules/toolchain:type` toolchain.

The converter is any executable that takes the reference `tensorflowjs_converter`'s command
line (`[flags] INPUT OUTPUT`). Register it with a `toolchain()` target of that type to use it
instead of rules_tfjs's own converter.""",
    attrs = {
        "converter": attr.label(
            doc = "The converter executable.",
            mandatory = True,
            executable = True,
            cfg = "exec",
        ),
    },
)
