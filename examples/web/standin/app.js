// Stand-in for the demo page until the bundled page (branch bundle) lands: implements only the
// contract //examples/web:browser_test checks (README "The web example"). Classifies image.png
// (scaled to [-1, 1]) on each backend and publishes window.rulesTfjsDemo.
'use strict';
const BACKENDS = ['cpu', 'wasm', 'webgl'];

async function classify(model, image, backend) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  const input = tf.tidy(() => tf.browser.fromPixels(image).toFloat().div(127.5).sub(1).expandDims(0));
  await model.execute(input).data();  // warm-up: shader compilation, wasm kernels
  const start = performance.now();
  const output = model.execute(input);
  const logits = Array.from(await output.data());
  const predictMs = performance.now() - start;
  tf.dispose([input, output]);
  return {logits, predictMs, error: null};
}

async function main() {
  const status = document.getElementById('status');
  const progress = document.getElementById('progress');
  const demo = window.rulesTfjsDemo = {status: 'loading', error: null, firstPredictionMs: null, backends: {}};
  try {
    tf.wasm.setWasmPaths(new URL('./', location.href).href);
    const token = new URLSearchParams(location.search).get('token') || '';
    const model = await tf.loadGraphModel('model/model.json', {
      onProgress: (f) => { progress.value = f; },
      requestInit: {headers: {'X-Model-Token': token}},
    });
    const image = document.getElementById('image');
    await image.decode();
    for (const backend of BACKENDS) {
      try {
        demo.backends[backend] = await classify(model, image, backend);
      } catch (e) {
        demo.backends[backend] = {logits: null, predictMs: null, error: String(e.message || e)};
      }
      demo.firstPredictionMs ??= performance.now();
    }
    document.getElementById('results').textContent = BACKENDS.map((b) =>
      `${b}: ${demo.backends[b].error || demo.backends[b].predictMs.toFixed(1) + ' ms'}`).join('\n');
    status.textContent = 'Done.';
    demo.status = 'ready';
    document.body.dataset.ready = 'true';
  } catch (e) {
    status.textContent = `Failed: ${e.message}`;
    Object.assign(demo, {status: 'error', error: e.message});
    document.body.dataset.ready = 'error';
  }
}

main();
