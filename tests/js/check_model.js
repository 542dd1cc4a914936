#!/usr/bin/env node
// Runs a converted graph or layers model with @tensorflow/tfjs on the inputs of EXPECTED.json and compares
// its outputs with TensorFlow's: floats within ATOL + RTOL * |expected|, the rest exactly.
// usage: node check_model.js MODEL_DIR EXPECTED.json [RTOL ATOL]
// EXPECTED: {"inputs": {key: {dtype, shape, values}}, "outputs": {key: {dtype, shape, values}}}
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const {tf, loadGraphModel, loadLayersModel, toTensor, fromTensor, run, predictLayers} =
    require('../../tools/js/graph_model_io');

/** Runs DIR's graph or layers model on INPUTS (specs); returns {mode, tensors: {key: tensor}}. */
async function runEither(dir, specs, keys) {
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

async function main() {
  const [dir, expectedFile, rtol = '1e-5', atol = '1e-6'] = process.argv.slice(2);
  const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
  await tf.setBackend('cpu');
  const keys = Object.keys(expected.outputs).sort();
  const {mode, tensors} = await runEither(dir, expected.inputs, keys);
  keys.forEach((key) => {
    assert.ok(tensors[key], `${key}: not an output of the model (${Object.keys(tensors)})`);
    const actual = fromTensor(tensors[key]);
    const want = expected.outputs[key];
    assert.deepStrictEqual(actual.shape, want.shape, `${key}: shape`);
    if (want.dtype !== 'float32') {
      assert.deepStrictEqual(actual.values, want.values, `${key}: values`);
      return;
    }
    actual.values.forEach((v, j) => {
      const w = want.values[j];
      assert.ok(Math.abs(v - w) <= Number(atol) + Number(rtol) * Math.abs(w),
                `${key}[${j}]: TF.js ${v}, TensorFlow ${w}`);
    });
  });
  console.log(`${dir}: ${keys.join(', ')} match TensorFlow (${mode})`);
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
