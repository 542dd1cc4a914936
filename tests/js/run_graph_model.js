#!/usr/bin/env node
// Loads a converted graph model with @tensorflow/tfjs, runs it and writes the outputs as JSON.
// usage: node run_graph_model.js MODEL_DIR REQUEST.json RESULT.json
//        node run_graph_model.js --batch JOBS.json RESULTS.json   (many models, one process)
// REQUEST: {"inputs": {key: {"dtype", "shape", "values"}}, "outputs": [keys] (optional),
//           "predict": bool (model.predict: structured outputs come back as a dict),
//           "backend": "cpu" (default) or "wasm",
//           "layers": bool (a layers model: tf.loadLayersModel, predict, outputs by output name)}
// RESULT: {"mode": "execute"|"executeAsync", "outputs": {key: {"dtype","shape","values"}}
//          or {"structured": {...}} for a dict, "ordered": [the same outputs in TF.js's order]}
'use strict';
const fs = require('fs');
const {tf, setBackend, loadGraphModel, loadLayersModel, toTensor, fromTensor, run, predictLayers} =
    require('../../tools/js/graph_model_io');

/** The outputs as a list, in the order TF.js returned them (names can repeat). */
function inOrder(result) {
  if (result instanceof tf.Tensor) return [fromTensor(result)];
  return (Array.isArray(result) ? result : Object.values(result)).map(fromTensor);
}

function describe(result, keys) {
  if (result instanceof tf.Tensor) result = [result];
  if (Array.isArray(result)) return Object.fromEntries(result.map((t, i) => [keys[i], fromTensor(t)]));
  return {structured: Object.fromEntries(Object.entries(result).map(([k, t]) => [k, fromTensor(t)]))};
}

/** Loads DIR's model and runs REQUEST on it: the RESULT object described above. */
async function runOne(dir, request) {
  await setBackend(request.backend || 'cpu');
  if (request.layers) {
    const {mode, result, keys} = predictLayers(await loadLayersModel(dir), request.inputs);
    return {mode, outputs: describe(result, keys), ordered: inOrder(result)};
  }
  const model = await loadGraphModel(dir);
  const inputs = Object.fromEntries(Object.entries(request.inputs).map(([k, s]) => [k, toTensor(s)]));
  const keys = request.outputs || model.outputs.map((o) => o.name);
  const {mode, result} = await run(model, inputs, {outputs: request.outputs, predict: request.predict});
  return {mode, outputs: describe(result, keys), ordered: inOrder(result)};
}

/** Batch mode: JOBS.json is [{dir, request}]; RESULTS.json gets, per job, a RESULT or {error}. */
async function runBatch(jobsFile, resultsFile) {
  const results = [];
  for (const {dir, request} of JSON.parse(fs.readFileSync(jobsFile, 'utf8'))) {
    try {
      results.push(await runOne(dir, request));
    } catch (e) {
      results.push({error: String(e.message || e).split('\n')[0]});
    }
  }
  fs.writeFileSync(resultsFile, JSON.stringify(results));
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--batch') return runBatch(args[1], args[2]);
  const [dir, requestFile, resultFile] = args;
  const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
  fs.writeFileSync(resultFile, JSON.stringify(await runOne(dir, request)));
}

main().catch((e) => { process.stderr.write(`run_graph_model: ${e.stack || e}\n`); process.exit(1); });
