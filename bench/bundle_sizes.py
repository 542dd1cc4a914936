#!/usr/bin/env python3
"""Prints the bytes of TF.js bundles, minified and gzipped (level 9), against tf.min.js.

usage: bazel run //bench:bundle_sizes  (its arguments, NAME=PATH pairs, are set in bench/BUILD.bazel)
"""

import gzip
import sys


def main(argv):
    print("%-52s %10s %10s" % ("bundle", "bytes", "gzip -9"))
    for arg in argv:
        name, path = arg.split("=", 1)
        with open(path, "rb") as f:
            data = f.read()
        print("%-52s %10d %10d" % (name, len(data), len(gzip.compress(data, compresslevel=9, mtime=0))))


if __name__ == "__main__":
    main(sys.argv[1:])
