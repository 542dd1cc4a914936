#!/bin/sh
# Runs tests/js/check_site.js with node on the site. Args: SITE_DIR CHECK_JS TFJS_BUNDLE
# (the bundle's path locates the npm packages' node_modules).
set -eu
NODE_PATH=$(cd "$(dirname "$3")/../../.." && pwd) exec node "$2" "$1"
