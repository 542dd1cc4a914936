// Launches the machine's Chromium (Debian's, found on PATH; nothing downloads a browser) headless
// through playwright-core, offline and with software WebGL. Used by browser_test.js and the bench.
'use strict';
const fs = require('fs');
const path = require('path');
const {chromium} = require('playwright-core');

// playwright-core adds --headless, --no-sandbox (we run as root, often inside Bazel's sandbox)
// and most of these too; they are listed so that what the test relies on does not hang on its
// defaults.
const ARGS = [
  // WebGL with no GPU: ANGLE on SwiftShader's software Vulkan. Since Chromium 137 the
  // SwiftShader fallback for WebGL needs the "unsafe" opt-in, else webgl fails to initialise.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  // Bazel's sandbox (and containers) may give a small /dev/shm: shared memory goes to /tmp.
  '--disable-dev-shm-usage',
  // No connections out: this machine's closed network refuses them and Chromium retries and
  // logs them (field trials, component updates, sync, QUIC probes, first-run pages).
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

function chromiumOnPath() {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const file = path.join(dir, 'chromium');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {}
  }
  console.error('chromium is not on PATH: run tools/bootstrap/browser.sh');
  process.exit(1);
}

/**
 * A browser context of a new Chromium whose profile and HOME are under `tmp` (Chromium writes to
 * HOME; under Bazel only $TEST_TMPDIR is writable). Also checks that WebGL
 * initialises. Close it with `.close()`.
 */
async function launchChromium(tmp) {
  // Chromium's singleton socket goes in TMPDIR, and a socket's path must be under 108 bytes,
  // which Bazel's $TEST_TMPDIR is not: a new folder in /tmp instead, removed on close.
  const shortTmp = fs.mkdtempSync('/tmp/chromium-');
  const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: chromiumOnPath(),
    headless: true,
    args: ARGS,
    env: {...process.env, HOME: tmp, TMPDIR: shortTmp},
    viewport: {width: 1000, height: 800},
  });
  context.on('close', () => fs.rmSync(shortTmp, {recursive: true, force: true}));
  const page = await context.newPage();
  const webgl = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
    return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : null;
  });
  await page.close();
  if (!webgl) {
    await context.close();
    throw new Error('Chromium started without WebGL 2 (SwiftShader): see the flags in chromium.js');
  }
  return context;
}

module.exports = {launchChromium};
