#!/usr/bin/env node
// Checks tools/js/select_kernels.js on hand-written model.json files: the kernels a graph's ops
// need (nodes, function bodies, model initializer) are registered, gradient-only ones are not, a
// wasm kernel's helper kernels are; an op TF.js does not know, or a kernel a backend lacks, fails
// in one line naming the op, the model and the backend.
// usage: NODE_PATH=NODE_MODULES node check_select_kernels.js SELECT_KERNELS_JS  (as node_test.sh runs it)
'use strict';
const assert = require('assert');
const {spawnSync} = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const script = process.argv[2];
const nodeModules = process.env.NODE_PATH;
const tmp = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'select-'));

function select(modelJson, backends) {
  const dir = fs.mkdtempSync(path.join(tmp, 'model-'));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  const out = fs.mkdtempSync(path.join(tmp, 'out-'));
  const args = [script, '--node_modules', nodeModules, '--out', out, '--model', `//m:m=${dir}`];
  for (const backend of backends) args.push('--backend', backend);
  const run = spawnSync(process.execPath, args, {encoding: 'utf8'});
  const read = (name) => fs.readFileSync(path.join(out, name), 'utf8');
  return {status: run.status, stderr: run.stderr, read, report: () => JSON.parse(read('report.json'))};
}

const graph = (ops) => ops.map((op, i) => ({name: `n${i}`, op}));

// Graph nodes, a function body and the model initializer all count.
const ok = select({
  modelTopology: {
    node: graph(['Placeholder', '_FusedConv2D']),
    library: {function: [{nodeDef: graph(['Mean'])}]},
  },
  modelInitializer: {node: graph(['Relu6'])},
}, ['cpu', 'wasm']);
assert.strictEqual(ok.status, 0, ok.stderr);
const {backends, models} = ok.report();
assert.deepStrictEqual(models['//m:m'], ['Mean', 'Placeholder', 'Relu6', '_FusedConv2D']);
for (const kernel of ['FusedConv2D', 'Mean', 'Relu6', 'Cast', 'Identity']) {
  assert.ok(backends.cpu.includes(kernel), `cpu registers ${kernel}`);
  assert.ok(backends.wasm.includes(kernel), `wasm registers ${kernel}`);
}
assert.ok(backends.wasm.includes('Transpose'), "wasm's Mean calls Transpose's C function");
assert.ok(!backends.cpu.includes('Conv2DBackpropFilter'), 'no gradient kernels');
assert.ok(!backends.cpu.includes('Einsum'), 'nothing unused');
assert.match(ok.read('tfjs.js'), /registerKernel\(FusedConv2D_wasm\);/);
assert.match(ok.read('ops_for_converter.js'), /export const fused = \{conv2d: fused_conv2d\};/);

const unknown = select({modelTopology: {node: graph(['NoSuchOp'])}}, ['cpu']);
assert.strictEqual(unknown.status, 1);
assert.strictEqual(unknown.stderr,
    "rules_tfjs: op NoSuchOp of model //m:m is not supported by TF.js (not in tfjs-converter's kernel2op.json)\n");

const missing = select({modelTopology: {node: graph(['Einsum'])}}, ['cpu', 'wasm']);
assert.strictEqual(missing.status, 1);
assert.strictEqual(missing.stderr,
    'rules_tfjs: op Einsum of model //m:m needs kernel Einsum, which the wasm backend does not have\n');
console.log('select_kernels ok');
