#!/usr/bin/env node
// Checks a static site built by //examples/web:site: the page loads its bundle (app.js: the page's
// script with TF.js, no CDN), which loads model/model.json with the page's token header; the wasm
// files and image.png sit next to it; every weight shard is there; and @tensorflow/tfjs loads the
// model from the site's files and classifies an image into finite probabilities.
// usage: node check_site.js SITE_DIR
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const {tf, loadGraphModel} = require('../../tools/js/graph_model_io');

async function main() {
  const site = process.argv[2];
  const read = (name) => fs.readFileSync(path.join(site, name), 'utf8');
  const html = read('index.html');
  assert.match(html, /<script type="module" src="app\.js"><\/script>/);
  assert.doesNotMatch(html, /tf\.min\.js/);
  assert.match(html, /<progress id="progress"/);
  assert.match(html, /<img src="image\.png"/);
  const bundle = read('app.js');
  for (const text of ['"model/model.json"', '"X-Model-Token"', 'rulesTfjsDemo', '"image.png"']) {
    assert.ok(bundle.includes(text), `the bundle holds ${text}`);
  }
  assert.doesNotMatch(bundle, /\bcdn\./i, 'nothing comes from a CDN');
  for (const wasm of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    const bytes = fs.readFileSync(path.join(site, wasm));
    assert.deepStrictEqual([...bytes.subarray(0, 4)], [0, 0x61, 0x73, 0x6d], `${wasm} is WebAssembly`);
  }
  const png = fs.readFileSync(path.join(site, 'image.png'));
  assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20), png[25]], [224, 224, 2], '224x224 RGB');

  const modelJson = JSON.parse(read('model/model.json'));
  for (const group of modelJson.weightsManifest) {
    for (const shard of group.paths) assert.ok(fs.existsSync(path.join(site, 'model', shard)), shard);
  }
  await tf.setBackend('cpu');
  const model = await loadGraphModel(path.join(site, 'model'));
  const scores = model.execute(tf.ones([1, 224, 224, 3]).mul(0.5));
  assert.deepStrictEqual(scores.shape, [1, 1000]);
  const values = await scores.data();
  assert.ok(values.every(Number.isFinite), 'finite scores');
  assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'softmax sums to 1');
  console.log(`site ok: ${modelJson.weightsManifest[0].paths.length} shards, top score ${Math.max(...values)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
