"""Published models named by URL: what to download for a handle, and unpacking it safely.

Both modules use the standard library only and run as plain scripts, since Bazel's repository
rule runs them with whatever python3 the machine has.
"""
