#!/usr/bin/env node
// Reads a converted model's weights the way TF.js does at load time: tf.io.loadWeights on the
// weights manifest alone (model.json's "weightsManifest"; the graph is not looked at), then
// writes every tensor it returns.
// usage: node load_weights.js MODEL_DIR RESULT_DIR [SAMPLES_JSON]
// RESULT_DIR/index.json: [{name, dtype, shape, offset, length}]: offset and length in bytes of
//   RESULT_DIR/values.bin, which holds each tensor's dataSync() bytes (float32/int32 in the
//   machine's order, little-endian on x86 and ARM; uint8 for bool). String tensors have
//   "values" (base64) instead.
// With SAMPLES_JSON ({name: [flat indices]}), only those weights are asked of loadWeights and
//   each index entry has "values": the values at those indices (numbers), and no values.bin;
//   what a model of gigabytes needs (bench/large_model.py).
//
// tf.io.loadWeights(manifest, filePathPrefix, weightNames, requestInit) in 4.22 takes no
// fetchFunc: it fetches the shards with env().platform.fetch, which in Node is
// globalThis.fetch when there is one (Node >= 18), else node-fetch. Node's fetch cannot read
// files, so this process answers globalThis.fetch from MODEL_DIR for the made-up origin
// below; everything after the fetch (slicing the shards per manifest entry, decodeWeights'
// dequantisation) is TF.js's own code, unmodified.
'use strict';
const fs = require('fs');
const path = require('path');
const {tf} = require('../../tools/js/graph_model_io');

const ORIGIN = 'http://weights.invalid';

async function main() {
  const [dir, resultDir, samplesFile] = process.argv.slice(2);
  if (!dir || !resultDir) throw new Error('usage: load_weights.js MODEL_DIR RESULT_DIR');
  const {weightsManifest} = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  globalThis.fetch = async (url) => {
    const {origin, pathname} = new URL(url);
    if (origin !== ORIGIN) throw new Error(`load_weights: unexpected fetch of ${url}`);
    const file = path.join(dir, decodeURIComponent(pathname));
    return new Response(fs.readFileSync(file), {status: 200});
  };
  const samples = samplesFile ? JSON.parse(fs.readFileSync(samplesFile, 'utf8')) : null;
  const tensors = await tf.io.loadWeights(
      weightsManifest, `${ORIGIN}/`, samples ? Object.keys(samples) : undefined);
  const index = [];
  const chunks = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name];
    const entry = {name, dtype: t.dtype, shape: t.shape};
    if (samples) {
      const data = t.dataSync();
      entry.values = samples[name].map((i) => data[i]);
      t.dispose();
    } else if (t.dtype === 'string') {
      entry.values = t.dataSync().map((b) => Buffer.from(b).toString('base64'));
    } else {
      const data = t.dataSync();
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      Object.assign(entry, {offset, length: bytes.length});
      chunks.push(bytes);
      offset += bytes.length;
    }
    index.push(entry);
  }
  fs.mkdirSync(resultDir, {recursive: true});
  if (!samples) fs.writeFileSync(path.join(resultDir, 'values.bin'), Buffer.concat(chunks));
  fs.writeFileSync(path.join(resultDir, 'index.json'), JSON.stringify(index));
}

main().catch((e) => { process.stderr.write(`load_weights: ${e.stack || e}\n`); process.exit(1); });
