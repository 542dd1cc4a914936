// Loads the converted MobileNetV2 and classifies image.png on each backend in turn; shows the top
// 5 classes and the time per prediction, and exposes the results as window.rulesTfjsDemo.
import * as tf from '@tensorflow/tfjs';

const BACKENDS = ['cpu', 'wasm', 'webgl'];
const TIMED_RUNS = 5;

const demo = {status: 'loading', error: null, firstPredictionMs: null, backends: {}};
window.rulesTfjsDemo = demo;

function loadOptions(progress) {
  const options = {onProgress: (fraction) => { progress.value = fraction; }};
  const token = new URLSearchParams(location.search).get('token');
  if (token !== null) options.requestInit = {headers: {'X-Model-Token': token}};
  return options;
}

async function loadImage(src) {
  const image = new Image();
  image.src = src;
  await image.decode();
  return image;
}

// [1, 224, 224, 3] float32 in [-1, 1], as MobileNetV2 expects.
function preprocess(image) {
  return tf.tidy(() => tf.expandDims(tf.sub(tf.div(tf.cast(tf.browser.fromPixels(image), 'float32'), 127.5), 1), 0));
}

async function predict(model, input) {
  const output = model.execute(input);
  const values = await output.data();
  output.dispose();
  return values;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function runOn(backend, model, image) {
  if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend failed to initialise`);
  const input = preprocess(image);
  try {
    const logits = await predict(model, input);  // warm-up (shader compilation, wasm set-up)
    if (demo.firstPredictionMs === null) demo.firstPredictionMs = performance.now();
    const times = [];
    for (let i = 0; i < TIMED_RUNS; i++) {
      const start = performance.now();
      await predict(model, input);
      times.push(performance.now() - start);
    }
    return {logits: Array.from(logits), predictMs: median(times), error: null};
  } finally {
    input.dispose();
  }
}

function show(backend, result) {
  const row = document.createElement('tr');
  const cell = (text) => row.appendChild(document.createElement('td')).textContent = text;
  cell(backend);
  if (result.error) {
    cell('-');
    cell(`error: ${result.error}`);
  } else {
    const top5 = result.logits.map((score, cls) => [score, cls]).sort((a, b) => b[0] - a[0]).slice(0, 5);
    cell(result.predictMs.toFixed(1));
    cell(top5.map(([score, cls]) => `${cls} (${score.toFixed(4)})`).join(', '));
  }
  document.getElementById('results').appendChild(row);
}

async function main() {
  const status = document.getElementById('status');
  try {
    tf.setWasmPaths(new URL('.', location.href).href);
    await tf.setBackend('cpu');
    const [model, image] = await Promise.all([
      tf.loadGraphModel('model/model.json', loadOptions(document.getElementById('progress'))),
      loadImage('image.png'),
    ]);
    status.textContent = 'Model loaded; classifying…';
    for (const backend of BACKENDS) {
      try {
        demo.backends[backend] = await runOn(backend, model, image);
      } catch (e) {
        demo.backends[backend] = {logits: null, predictMs: null, error: e.message || String(e)};
      }
      show(backend, demo.backends[backend]);
    }
    status.textContent = demo.firstPredictionMs === null ? 'Done: no backend could run the model.' :
        `Done: first prediction ${demo.firstPredictionMs.toFixed(0)} ms after page load.`;
    demo.status = 'ready';
    document.body.dataset.ready = 'true';
  } catch (e) {
    demo.status = 'error';
    demo.error = e.message || String(e);
    status.textContent = `Failed: ${demo.error}`;
    document.body.dataset.ready = 'error';
  }
}

main();
