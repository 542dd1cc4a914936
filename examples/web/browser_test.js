// The demo page in headless Chromium: without the token the model's 401 makes the page fail
// clearly; with it, each backend's logits match TensorFlow's, with no console error.
// usage: browser_test.js SITE_DIR EXPECTED_JSON   (EXPECTED_JSON: {"outputs": {"output_0": {values}}})
// Prints per backend the largest error and ms per prediction; saves screenshot.png in
// $TEST_UNDECLARED_OUTPUTS_DIR. Chromium comes from PATH (tools/bootstrap/browser.sh).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {launchChromium} = require('./chromium.js');
const {serve} = require('./server.js');

// The outputs are softmax probabilities near 1e-3: atol 1e-6 is a thousandth of one. cpu and wasm
// compute in float32 like TensorFlow, in another summation order (measured: 1.5e-8). webgl runs
// GLSL ES 3.0, whose highp is float32 storage but whose exp and division may be a few ulp off,
// with its own packing and accumulation order: 10x the relative room (SwiftShader measured 1.3e-8).
const TOLERANCE = {
  cpu: {atol: 1e-6, rtol: 1e-3},
  wasm: {atol: 1e-6, rtol: 1e-3},
  webgl: {atol: 1e-6, rtol: 1e-2},
};

/** {max, at, worst}: largest |error| and its index; worst: index most over tolerance, or -1. */
function compare(actual, expected, {atol, rtol}) {
  let max = 0, at = 0, worst = -1, worstExcess = 0;
  expected.forEach((e, i) => {
    const err = Math.abs(actual[i] - e);
    if (!(err <= max)) [max, at] = [err, i];  // NaN counts as the largest
    const excess = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(e));
    if (excess > 1 && excess > worstExcess) [worst, worstExcess] = [i, excess];
  });
  return {max, at, worst};
}

async function opened(page, url) {
  const start = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready, null, {timeout: 240000});
  return Date.now() - start;
}

async function main() {
  const [site, expectedJson] = process.argv.slice(2);
  const expected = JSON.parse(fs.readFileSync(expectedJson, 'utf8')).outputs.output_0.values;
  const tmp = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'browser-'));
  const token = crypto.randomBytes(8).toString('hex');
  const {server, url} = await serve({root: site, token});
  const browser = await launchChromium(tmp);
  const failures = [];
  try {
    const noToken = await browser.newPage();
    await opened(noToken, url);
    const [ready, status] = await noToken.evaluate(
        () => [document.body.dataset.ready, document.getElementById('status').textContent]);
    if (ready !== 'error' || !status.includes('401')) {
      failures.push(`without ?token= the page should fail naming 401: ready=${ready}, #status "${status}"`);
    }

    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure().errorText}`));
    page.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
    const loadMs = await opened(page, `${url}?token=${token}`);
    await page.screenshot({path: path.join(process.env.TEST_UNDECLARED_OUTPUTS_DIR || tmp, 'screenshot.png'), fullPage: true});
    const demo = await page.evaluate(() => window.rulesTfjsDemo);
    if (demo?.status !== 'ready') failures.push(`page not ready: ${JSON.stringify(demo?.error ?? demo)}`);
    failures.push(...errors);
    for (const [backend, tol] of Object.entries(TOLERANCE)) {
      const result = demo?.backends?.[backend];
      if (!result || result.error || result.logits?.length !== expected.length) {
        failures.push(`${backend}: no logits (${result?.error ?? `${result?.logits?.length} values`})`);
        continue;
      }
      const {max, at, worst} = compare(result.logits, expected, tol);
      console.log(`${backend}: largest |error| ${max.toExponential(2)} at logits[${at}], ` +
                  `${result.predictMs.toFixed(1)} ms per prediction`);
      if (worst >= 0) {
        failures.push(`${backend}: logits[${worst}] = ${result.logits[worst]}, TensorFlow ` +
                      `${expected[worst]}: |error| ${Math.abs(result.logits[worst] - expected[worst])
                          .toExponential(2)} > atol ${tol.atol} + rtol ${tol.rtol} * |expected| ` +
                      `(largest |error| ${max.toExponential(2)} at logits[${at}])`);
      }
    }
    console.log(`first prediction ${demo?.firstPredictionMs?.toFixed(0)} ms after navigation; ` +
                `all backends done ${loadMs} ms after page.goto`);
  } finally {
    await browser.close();
    server.close();
  }
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.error(`browser_test: ${e.stack || e}`); process.exit(1); });
