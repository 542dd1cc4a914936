#!/usr/bin/env node
// Checks a static site built by //examples/web:site: the page loads the TF.js bundle and its
// script, the script loads model/model.json, every weight shard is there, and @tensorflow/tfjs
// loads the model from the site's files and classifies an image into finite probabilities.
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
  assert.match(html, /<script src="tf\.min\.js"><\/script>/);
  assert.match(html, /<script src="app\.js"/);
  assert.match(read('app.js'), /tf\.loadGraphModel\('model\/model\.json'\)/);
  assert.match(read('tf.min.js'), /4\.22\.0/, 'the TF.js bundle is 4.22.0');

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
