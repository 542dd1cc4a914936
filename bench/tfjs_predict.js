#!/usr/bin/env node
// Times predictions of a converted graph model with @tensorflow/tfjs 4.22 in Node.
// usage: NODE_PATH=tools/js/node_modules node bench/tfjs_predict.js MODEL_DIR BACKEND RUNS
// BACKEND is 'cpu' or 'wasm'. The input is ones of each signature input's shape (-1 -> 1);
// after two warm-up runs, RUNS predictions are timed, each until its outputs' data() resolves.
// Prints one JSON line: {"backend", "median_ms", "p90_ms", "runs"}.
'use strict';
const {tf, setBackend, loadGraphModel, run} = require('../tools/js/graph_model_io');

/** Runs the model once and waits for every output's values; returns the milliseconds taken. */
async function timeOne(model, inputs) {
  const start = performance.now();
  const {result} = await run(model, inputs);
  const outputs = result instanceof tf.Tensor ? [result] : Object.values(result);
  await Promise.all(outputs.map((t) => t.data()));
  const ms = performance.now() - start;
  tf.dispose(outputs);
  return ms;
}

async function main() {
  const [dir, backend, runs] = process.argv.slice(2);
  await setBackend(backend);
  const model = await loadGraphModel(dir);
  const inputs = model.inputs.map((i) => tf.ones(i.shape.map((d) => (d === -1 ? 1 : d)), i.dtype));
  for (let i = 0; i < 2; i++) await timeOne(model, inputs);
  const times = [];
  for (let i = 0; i < Number(runs); i++) times.push(await timeOne(model, inputs));
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = (times[Math.floor((n - 1) / 2)] + times[Math.ceil((n - 1) / 2)]) / 2;
  const p90 = times[Math.ceil(0.9 * n) - 1];  // nearest rank
  console.log(JSON.stringify({backend: tf.getBackend(), median_ms: median, p90_ms: p90, runs: n}));
}

main().catch((e) => { process.stderr.write(`tfjs_predict: ${e.stack || e}\n`); process.exit(1); });
