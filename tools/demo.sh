#!/usr/bin/env bash
# Builds the demo model with the converter's command line (the Bazel build replaces this):
# a seeded Keras MobileNetV2 SavedModel, converted into out/mobilenet_web/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=$(tools/bootstrap/python_env.sh converter)
"$python" -m models.mobilenet_saved_model out/mobilenet_saved_model
"$python" -m tools.converter out/mobilenet_saved_model out/mobilenet_web
echo "wrote out/mobilenet_web: $(ls out/mobilenet_web | tr '\n' ' ')"
