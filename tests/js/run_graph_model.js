#!/usr/bin/env node
// Loads a converted graph model with @tensorflow/tfjs, runs it and writes the outputs as JSON.
// usage: node run_graph_model.js MODEL_DIR REQUEST.json RESULT.json
// REQUEST: {"inputs": {key: {"dtype", "shape", "values"}}, "outputs": [keys] (optional),
//           "predict": bool (model.predict: structured outputs come back as a dict),
//           "backend": "cpu" (default) or "wasm",
//           "layers": bool (a layers model: tf.loadLayersModel, predict, outputs by output name)}
// RESULT: {"mode": "execute"|"executeAsync", "outputs": {key: {"dtype","shape","values"}}
//          or {"structured": {...}} for a dict}
'use strict';
const fs = require('fs');
const {tf, setBackend, loadGraphModel, loadLayersModel, toTensor, fromTensor, run, predictLayers} =
    require('./graph_model_io');

function describe(result, keys) {
  if (result instanceof tf.Tensor) result = [result];
  if (Array.isArray(result)) return Object.fromEntries(result.map((t, i) => [keys[i], fromTensor(t)]));
  return {structured: Object.fromEntries(Object.entries(result).map(([k, t]) => [k, fromTensor(t)]))};
}

async function main() {
  const [dir, requestFile, resultFile] = process.argv.slice(2);
  const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
  await setBackend(request.backend || 'cpu');
  if (request.layers) {
    const {mode, result, keys} = predictLayers(await loadLayersModel(dir), request.inputs);
    fs.writeFileSync(resultFile, JSON.stringify({mode, outputs: describe(result, keys)}));
    return;
  }
  const model = await loadGraphModel(dir);
  const inputs = Object.fromEntries(Object.entries(request.inputs).map(([k, s]) => [k, toTensor(s)]));
  const keys = request.outputs || model.outputs.map((o) => o.name);
  const {mode, result} = await run(model, inputs, {outputs: request.outputs, predict: request.predict});
  fs.writeFileSync(resultFile, JSON.stringify({mode, outputs: describe(result, keys)}));
}

main().catch((e) => { process.stderr.write(`run_graph_model: ${e.stack || e}\n`); process.exit(1); });
