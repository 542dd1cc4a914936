#!/usr/bin/env bash
# bazel run //tools/docs:update_readme: writes README.md with the rule docs generated from the
# docstrings (//tools/docs:readme) over the workspace's README.md.
set -euo pipefail
cp "$1" "${BUILD_WORKSPACE_DIRECTORY:?run it with bazel run}/README.md"
echo "README.md: rule docs regenerated from the docstrings"
