#!/usr/bin/env node
// Runs a converted graph model with @tensorflow/tfjs on the inputs of EXPECTED.json and compares
// its outputs with TensorFlow's: floats within ATOL + RTOL * |expected|, the rest exactly.
// usage: node check_model.js MODEL_DIR EXPECTED.json [RTOL ATOL]
// EXPECTED: {"inputs": {key: {dtype, shape, values}}, "outputs": {key: {dtype, shape, values}}}
'use strict';
const assert = require('assert');
const fs = require('fs');
const {tf, loadGraphModel, toTensor, fromTensor, run} = require('./graph_model_io');

async function main() {
  const [dir, expectedFile, rtol = '1e-5', atol = '1e-6'] = process.argv.slice(2);
  const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
  await tf.setBackend('cpu');
  const model = await loadGraphModel(dir);
  const inputs = Object.fromEntries(Object.entries(expected.inputs).map(([k, s]) => [k, toTensor(s)]));
  const keys = Object.keys(expected.outputs).sort();
  const {mode, result} = await run(model, inputs, {outputs: keys});
  const tensors = result instanceof tf.Tensor ? [result] : result;
  keys.forEach((key, i) => {
    const actual = fromTensor(tensors[i]);
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
