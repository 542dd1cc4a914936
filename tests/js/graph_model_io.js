// Loading and running converted graph models with @tensorflow/tfjs from a local directory,
// through TF.js's real HTTP loader (fetch answered from the directory).
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

/** Loads DIR/model.json and its shards as a browser would fetch them. */
async function loadGraphModel(dir) {
  const fetchFunc = async (url) =>
      new Response(fs.readFileSync(path.join(dir, decodeURIComponent(new URL(url).pathname))),
                   {status: 200});
  return tf.loadGraphModel(tf.io.http('http://model.invalid/model.json', {fetchFunc}));
}

/** A tensor from {dtype, shape, values}. */
function toTensor(spec) {
  return tf.tensor(spec.values, spec.shape, spec.dtype);
}

/** {dtype, shape, values} of a tensor. */
function fromTensor(t) {
  return {dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync())};
}

/**
 * Runs MODEL on INPUTS ({key: tensor}); `execute` when the graph allows, else `executeAsync`.
 * Returns {mode, result} where result is what TF.js returned (tensor, array or dict).
 */
async function run(model, inputs, {outputs, predict} = {}) {
  try {
    return {mode: 'execute', result: predict ? model.predict(inputs) : model.execute(inputs, outputs)};
  } catch (e) {
    if (!/executeAsync/.test(String(e.message))) throw e;
  }
  const result = predict ? await model.predictAsync(inputs) : await model.executeAsync(inputs, outputs);
  return {mode: 'executeAsync', result};
}

module.exports = {tf, loadGraphModel, toTensor, fromTensor, run};
