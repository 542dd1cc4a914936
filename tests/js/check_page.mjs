// Runs the demo page's bundle (app.js of //examples/web:site) in Node with a minimal DOM: the
// page's requests are answered from the site directory, <img> decodes image.png. The page must
// finish with window.rulesTfjsDemo ready, its cpu logits equal to full @tensorflow/tfjs's on
// image.npy (so the bundle registered every kernel the model needs), its token sent as
// X-Model-Token. Backends that cannot start in Node (webgl) must be reported, not fatal.
// usage: node check_page.mjs SITE_DIR IMAGE_NPY
//        (node check_page.mjs --reference SITE_DIR IMAGE_NPY prints full TF.js's logits: in a
//        process of its own, since TF.js's engine and kernel registry are global)
import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {execFileSync} from 'node:child_process';
import {fileURLToPath, pathToFileURL} from 'node:url';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
const reference = process.argv[2] === '--reference';
const [site, npyPath] = process.argv.slice(reference ? 3 : 2);

// The reference: full @tensorflow/tfjs (every kernel) on image.npy.
async function referenceLogits() {
  const tf = require('@tensorflow/tfjs');
  const {loadGraphModel} = require('../../tools/js/graph_model_io');
  const npy = fs.readFileSync(npyPath);
  const data = npy.subarray(10 + npy.readUInt16LE(8));
  const input = tf.tensor(new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)), [1, 224, 224, 3]);
  await tf.setBackend('cpu');
  return Array.from(await (await loadGraphModel(path.join(site, 'model'))).execute(input).data());
}

if (reference) {
  process.stdout.write(JSON.stringify(await referenceLogits()));
  process.exit(0);
}

// image.png as RGBA pixel data (the page's writer: RGB, no row filters).
function decodePng(bytes) {
  const idat = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (bytes.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    assert.strictEqual(raw[y * (width * 3 + 1)], 0, 'no row filter');
    for (let x = 0; x < width; x++) {
      const from = y * (width * 3 + 1) + 1 + x * 3;
      data.set([raw[from], raw[from + 1], raw[from + 2], 255], (y * width + x) * 4);
    }
  }
  return {data, width, height};
}

function element() {
  return {value: 0, textContent: '', children: [], appendChild(child) { this.children.push(child); return child; }};
}

const elements = new Map();
const requests = [];
Object.assign(globalThis, {
  window: globalThis,
  location: new URL('http://site.invalid/demo/index.html?token=s3cret'),
  document: {
    body: {dataset: {}},
    getElementById: (id) => elements.get(id) || elements.set(id, element()).get(id),
    createElement: () => element(),
  },
  Image: class {
    async decode() { Object.assign(this, decodePng(fs.readFileSync(path.join(site, this.src)))); }
  },
  fetch: async (url, init = {}) => {
    const file = new URL(url, location.href).pathname.replace(/^\/demo\//, '');
    requests.push({file, token: new Headers(init.headers).get('X-Model-Token')});
    return new Response(fs.readFileSync(path.join(site, file)), {status: 200});
  },
});

await import(pathToFileURL(path.join(site, 'app.js')).href);
while (!document.body.dataset.ready) await new Promise((resolve) => setTimeout(resolve, 50));
const demo = window.rulesTfjsDemo;
assert.strictEqual(document.body.dataset.ready, 'true', elements.get('status').textContent);
assert.strictEqual(demo.status, 'ready');
assert.strictEqual(demo.error, null);
assert.ok(demo.firstPredictionMs > 0);
assert.ok(elements.get('progress').value === 1, 'the progress bar reached the end');
for (const {file, token} of requests.filter((r) => r.file.startsWith('model/'))) {
  assert.strictEqual(token, 's3cret', `${file} carries the page's token`);
}
assert.deepStrictEqual(Object.keys(demo.backends), ['cpu', 'wasm', 'webgl']);
assert.match(demo.backends.webgl.error, /webgl/i, 'webgl cannot start in Node: reported');

const expected = JSON.parse(execFileSync(process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--reference', site, npyPath],
    {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24}));
for (const backend of ['cpu', 'wasm']) {
  const result = demo.backends[backend];
  if (backend === 'wasm' && result.error) {  // the browser build of the wasm backend in Node
    console.log(`wasm: ${result.error}`);
    continue;
  }
  assert.strictEqual(result.error, null, `${backend}: ${result.error}`);
  assert.strictEqual(result.logits.length, 1000);
  const diff = Math.max(...result.logits.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(diff < 1e-5, `${backend} logits differ from full TF.js's by ${diff}`);
  console.log(`${backend}: ${result.predictMs.toFixed(1)} ms per prediction, max |diff| ${diff}`);
}
console.log(`page ok: first prediction after ${demo.firstPredictionMs.toFixed(0)} ms; webgl: ${demo.backends.webgl.error}`);
