#!/usr/bin/env node
// Checks a converted TF.js model against TensorFlow: runs it with @tensorflow/tfjs on the inputs
// of REFERENCE.json (tools/reference_outputs) on each backend and compares its outputs with
// TensorFlow's: floats within ATOL + RTOL * |expected|, other dtypes exactly. Graph models run
// with `execute`, or `executeAsync` when they hold dynamic ops; layers models with `predict`.
// A mismatch prints one line per output and backend: the largest error, where, and the tolerance.
// usage: node model_test.js MODEL_DIR REFERENCE.json BACKENDS(comma-separated) ATOL RTOL
'use strict';
const fs = require('fs');
const path = require('path');
const {tf, setBackend, loadGraphModel, loadLayersModel, toTensor, run, predictLayers} =
    require('./graph_model_io');

/** Runs DIR's graph or layers model on SPECS; returns {mode, tensors: {output name: tensor}}. */
async function runModel(dir, specs, keys) {
  const format = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).format;
  if (format === 'layers-model') {
    const {mode, result, keys: names} = predictLayers(await loadLayersModel(dir), specs);
    return {mode, tensors: Object.fromEntries(names.map((name, i) => [name, result[i]]))};
  }
  const inputs = Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, toTensor(s)]));
  const {mode, result} = await run(await loadGraphModel(dir), inputs, {outputs: keys});
  const tensors = result instanceof tf.Tensor ? [result] : result;
  return {mode, tensors: Object.fromEntries(keys.map((key, i) => [key, tensors[i]]))};
}

/** The multi-dimensional index of flat position I in SHAPE. */
function where(i, shape) {
  const index = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${index.join(', ')}]`;
}

/** Compares one output; returns {failure: one line or null, largest: largest absolute error}. */
function compare(key, backend, tensor, want, atol, rtol) {
  const label = `output '${key}' on ${backend}`;
  if (!tensor) return {failure: `${label}: the model has no such output`, largest: NaN};
  if (JSON.stringify(tensor.shape) !== JSON.stringify(want.shape)) {
    return {failure: `${label}: shape [${tensor.shape}], TensorFlow's is [${want.shape}]`, largest: NaN};
  }
  const values = Array.from(tensor.dataSync());
  if (want.dtype !== 'float32') {
    const i = values.findIndex((v, j) => v !== want.values[j] && !(want.dtype === 'bool' && Boolean(v) === want.values[j]));
    return {failure: i < 0 ? null : `${label}: ${values[i]} at ${where(i, want.shape)} where TensorFlow has ` +
                                    `${want.values[i]} (${want.dtype}: must be equal)`, largest: i < 0 ? 0 : NaN};
  }
  let worst = -1, worstRatio = -1, largest = 0;
  values.forEach((v, j) => {
    const error = Math.abs(v - want.values[j]);
    const ratio = Number.isNaN(error) ? Infinity : error / (atol + rtol * Math.abs(want.values[j]));
    largest = Math.max(largest, Number.isNaN(error) ? Infinity : error);
    if (ratio > worstRatio) [worst, worstRatio] = [j, ratio];
  });
  if (worstRatio <= 1) return {failure: null, largest};
  const w = want.values[worst];
  return {
    failure: `${label}: largest error ${Math.abs(values[worst] - w).toExponential(3)} at ${where(worst, want.shape)} ` +
             `(TF.js ${values[worst]}, TensorFlow ${w}) exceeds the tolerance atol ${atol} + rtol ${rtol} * |expected| = ` +
             `${(atol + rtol * Math.abs(w)).toExponential(3)}`,
    largest,
  };
}

async function main() {
  const [dir, referenceFile, backends, atol, rtol] = process.argv.slice(2);
  const reference = JSON.parse(fs.readFileSync(referenceFile, 'utf8'));
  const keys = Object.keys(reference.outputs).sort();
  const failures = [];
  for (const backend of backends.split(',')) {
    await setBackend(backend);
    const {mode, tensors} = await runModel(dir, reference.inputs, keys);
    const errors = keys.map((key) => {
      const {failure, largest} = compare(key, backend, tensors[key], reference.outputs[key], Number(atol), Number(rtol));
      if (failure) failures.push(failure);
      return `${key} ${largest.toExponential(2)}`;
    });
    console.log(`${backend} (${mode}): largest error per output: ${errors.join(', ')}`);
  }
  if (failures.length) {
    failures.forEach((line) => console.error(line));
    process.exit(1);
  }
  console.log(`${dir}: ${keys.join(', ')} match TensorFlow on ${backends} (atol ${atol}, rtol ${rtol})`);
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
