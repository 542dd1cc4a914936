#!/usr/bin/env node
// Times predictions of converted graph models in headless Chromium (TF.js 4.22 from tools/js),
// each model and backend in a fresh page of bench/browser_predict.html served on 127.0.0.1.
// usage: NODE_PATH=tests/js/node_modules node bench/browser_predict.js RUNS NAME=MODEL_DIR...
// Prints one JSON line: {NAME: {BACKEND: {"first_prediction_ms", "times_ms"}}}.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const {launchChromium} = require('../examples/web/chromium.js');
const {serve} = require('../examples/web/server.js');

const BACKENDS = ['wasm', 'webgl'];
const TOKEN = 'bench';
const dist = (pkg, file) => path.join(__dirname, '..', 'tools', 'js', 'node_modules', '@tensorflow', pkg, 'dist', file);

function makeSite(root, models) {
  fs.copyFileSync(path.join(__dirname, 'browser_predict.html'), path.join(root, 'index.html'));
  fs.copyFileSync(dist('tfjs', 'tf.min.js'), path.join(root, 'tf.min.js'));
  for (const f of ['tf-backend-wasm.min.js', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm',
                   'tfjs-backend-wasm-threaded-simd.wasm']) {
    fs.copyFileSync(dist('tfjs-backend-wasm', f), path.join(root, f));
  }
  Object.values(models).forEach((dir, i) => fs.cpSync(dir, path.join(root, 'model', String(i)), {recursive: true}));
}

async function main() {
  const [runs, ...specs] = process.argv.slice(2);
  const models = Object.fromEntries(specs.map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)]));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-predict-'));
  fs.mkdirSync(path.join(tmp, 'site'));
  makeSite(path.join(tmp, 'site'), models);
  const {server, url} = await serve({root: path.join(tmp, 'site'), token: TOKEN});
  const browser = await launchChromium(tmp);
  const results = {};
  try {
    for (const [i, name] of Object.keys(models).entries()) {
      results[name] = {};
      for (const backend of BACKENDS) {
        const page = await browser.newPage();
        const query = new URLSearchParams({model: `model/${i}/model.json`, backend, runs, token: TOKEN});
        await page.goto(`${url}?${query}`);
        await page.waitForFunction(() => window.benchResult, null, {timeout: 600000});
        const r = await page.evaluate(() => window.benchResult);
        await page.close();
        if (r.error || r.backend !== backend) throw new Error(`${name} on ${backend}: ${r.error || r.backend}`);
        results[name][backend] = {first_prediction_ms: r.firstPredictionMs, times_ms: r.times};
      }
    }
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(tmp, {recursive: true, force: true});
  }
  console.log(JSON.stringify(results));
}

main().catch((e) => { process.stderr.write(`browser_predict: ${e.stack || e}\n`); process.exit(1); });
