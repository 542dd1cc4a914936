// Loading and running converted graph models with @tensorflow/tfjs from a local directory,
// through TF.js's real HTTP loader (fetch answered from the directory).
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

/** TF.js's HTTP loader for DIR/model.json, its requests answered from DIR. */
function httpHandlerFor(dir) {
  const fetchFunc = async (url) =>
      new Response(fs.readFileSync(path.join(dir, decodeURIComponent(new URL(url).pathname))),
                   {status: 200});
  return tf.io.http('http://model.invalid/model.json', {fetchFunc});
}

/** Loads DIR/model.json and its shards as a browser would fetch them. */
async function loadGraphModel(dir) {
  return tf.loadGraphModel(httpHandlerFor(dir));
}

/** Loads DIR/model.json as a layers model (tf.loadLayersModel), fetching like a browser. */
async function loadLayersModel(dir) {
  return tf.loadLayersModel(httpHandlerFor(dir));
}

/** Selects the 'cpu' or 'wasm' backend (the wasm binary is read from node_modules, offline). */
async function setBackend(name) {
  if (name === 'wasm') {
    // A directory works in Node, but it must end with a separator: the file name is appended.
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  }
  // setBackend resolves false (after logging) rather than throwing when initialisation fails.
  if (!await tf.setBackend(name)) throw new Error(`backend ${name} failed to initialise`);
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

/**
 * Runs layers MODEL with model.predict on SPECS ({input name: {dtype, shape, values}}; a model
 * with as many inputs as SPECS takes them in order whatever their names).
 * Returns {mode: 'predict', result: [tensor per output], keys: the output names}.
 */
function predictLayers(model, specs) {
  const ordered = Object.values(specs);
  const inputs = model.inputs.map((input, i) => toTensor(
      specs[model.inputNames[i]] || (ordered.length === model.inputs.length ? ordered[i] : undefined)));
  const result = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  return {mode: 'predict', result: result instanceof tf.Tensor ? [result] : result,
          keys: model.outputNames};
}

module.exports = {tf, setBackend, loadGraphModel, loadLayersModel, toTensor, fromTensor, run,
                  predictLayers};
