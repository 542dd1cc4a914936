#!/usr/bin/env node
// Loads a converted graph model with @tensorflow/tfjs through its real HTTP loader (fetch served
// from the model directory), runs it and prints the outputs as JSON.
// usage: node run_graph_model.js MODEL_DIR REQUEST.json RESULT.json
// REQUEST: {"inputs": {key: {"dtype", "shape", "values"}}, "outputs": [keys] (optional),
//           "predict": bool (use model.predict/predictAsync: structured outputs come back as a dict)}
// Writes RESULT.json: {"mode": "execute"|"executeAsync", "outputs": {key: {"dtype","shape","values"}} or [...]}
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

const BASE = 'http://model.invalid/';

function serveFrom(dir) {
  return async (url) => {
    const file = path.join(dir, decodeURIComponent(new URL(url).pathname));
    return new Response(fs.readFileSync(file), {status: 200});
  };
}

function toTensor(spec) {
  if (spec.dtype === 'string') return tf.tensor(spec.values, spec.shape, 'string');
  return tf.tensor(spec.values, spec.shape, spec.dtype);
}

function fromTensor(t) {
  return {dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync())};
}

function describe(result, keys) {
  if (result instanceof tf.Tensor) return {[keys ? keys[0] : 'output']: fromTensor(result)};
  if (Array.isArray(result)) {
    if (keys) return Object.fromEntries(result.map((t, i) => [keys[i], fromTensor(t)]));
    return result.map(fromTensor);
  }
  return {structured: Object.fromEntries(Object.entries(result).map(([k, t]) => [k, fromTensor(t)]))};
}

async function run(model, inputs, request) {
  const keys = request.outputs || null;
  const sync = () => request.predict ? model.predict(inputs) : model.execute(inputs, keys || undefined);
  const async_ = () => request.predict ? model.predictAsync(inputs) : model.executeAsync(inputs, keys || undefined);
  try {
    return {mode: 'execute', outputs: describe(sync(), keys || (request.predict ? null : model.outputs.map(o => o.name)))};
  } catch (e) {
    if (!/executeAsync/.test(String(e.message))) throw e;
  }
  const result = await async_();
  return {mode: 'executeAsync', outputs: describe(result, keys || (request.predict ? null : model.outputs.map(o => o.name)))};
}

async function main() {
  const [dir, requestFile, resultFile] = process.argv.slice(2);
  const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
  await tf.setBackend(request.backend || 'cpu');
  const model = await tf.loadGraphModel(tf.io.http(BASE + 'model.json', {fetchFunc: serveFrom(dir)}));
  const inputs = Object.fromEntries(Object.entries(request.inputs).map(([k, s]) => [k, toTensor(s)]));
  const result = await run(model, inputs, request);
  result.signatureOutputs = Object.keys((model.modelSignature || {}).outputs || {});
  fs.writeFileSync(resultFile, JSON.stringify(result));
}

main().catch((e) => { process.stderr.write(`run_graph_model: ${e.stack || e}\n`); process.exit(1); });
