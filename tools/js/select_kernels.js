#!/usr/bin/env node
// Writes the modules that make a model-specific TF.js bundle (TF.js's size-optimised bundles, done
// from the models' graphs instead of a profiled run):
//   tfjs.js               stands in for '@tensorflow/tfjs': core, converter, the backends' dist/base
//                         and registerKernel() of each kernel the models (and --op) need
//   core.js               stands in for '@tensorflow/tfjs-core': its dist/base, without gradients
//   ops_for_converter.js  stands in for tfjs-core's ops_for_converter: only the ops the models use
//   report.json           the kernels registered per backend
// Graph op -> tfjs-core ops comes from tfjs-converter's metadata/kernel2op.json; tfjs-core op ->
// kernels from the kernel names each op's module (and the op modules it imports) imports.
// usage: node select_kernels.js --node_modules DIR --out DIR [--backend NAME]... [--op OP]...
//        [--model LABEL=MODEL_DIR]...     (no --model: every kernel of the backends)
'use strict';
const fs = require('fs');
const path = require('path');

const BACKEND_PACKAGES = {
  cpu: '@tensorflow/tfjs-backend-cpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  webgl: '@tensorflow/tfjs-backend-webgl',
};
// Tensor methods every program can reach (base_side_effects' op handler: x.cast(), x.clone()).
const ALWAYS_OPS = ['cast', 'clone'];
// Kernels only a gradient needs: dropped unless an op runs one itself (conv2dTranspose does).
const GRADIENT_KERNEL = /Backprop|Grad$/;

function parseArgs(argv) {
  const args = {backend: [], op: [], model: []};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (Array.isArray(args[key])) args[key].push(argv[i + 1]);
    else args[key] = argv[i + 1];
  }
  return args;
}

function fail(message) {
  console.error(`rules_tfjs: ${message}`);
  process.exit(1);
}

// The ops of a model.json: graph nodes, function bodies and the model initializer's nodes.
function modelOps(modelJson) {
  const ops = new Set();
  const addGraph = (graph) => {
    for (const node of (graph && graph.node) || []) ops.add(node.op);
    for (const fn of (graph && graph.library && graph.library.function) || []) {
      for (const node of fn.nodeDef || []) ops.add(node.op);
    }
  };
  addGraph(modelJson.modelTopology);
  addGraph(modelJson.modelInitializer);
  return [...ops].sort();
}

class CoreOps {
  constructor(coreDist) {
    this.opsDir = path.resolve(coreDist, 'ops');
    this.kernelNames = path.resolve(coreDist, 'kernel_names.js');
    this.closures = new Map();
  }

  // The module defining op symbol `name` ('conv2d', 'fused.conv2d', 'image.resizeBilinear').
  moduleOf(name) {
    const [dir, symbol] = name.includes('.') ? name.split('.') : ['', name];
    const candidates = dir ?
        [path.join(this.opsDir, dir + '.js'), ...this.listJs(path.join(this.opsDir, dir))] :
        this.listJs(this.opsDir);
    const definition = new RegExp(`export (const|function|async function) ${symbol}\\b`);
    return candidates.find((f) => fs.existsSync(f) && definition.test(fs.readFileSync(f, 'utf8')));
  }

  listJs(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => f.endsWith('.js') && !f.endsWith('_test.js'))
        .sort().map((f) => path.join(dir, f));
  }

  // {direct, all}: kernels the module runs itself, and those of the op modules it imports too.
  kernelsOf(file) {
    if (!this.closures.has(file)) {
      const direct = new Set();
      const all = new Set();
      this.closures.set(file, {direct, all});  // import cycles end here
      const source = fs.readFileSync(file, 'utf8');
      for (const m of source.matchAll(/import\s*(?:\{([^}]*)\}|\*\s*as\s+\w+)\s*from\s*'([^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[2]) + '.js';
        if (target === this.kernelNames) {
          for (const name of m[1].split(',').map((s) => s.trim()).filter(Boolean)) all.add(name);
        } else if (target.startsWith(this.opsDir + path.sep) && fs.existsSync(target)) {
          for (const kernel of this.kernelsOf(target).all) all.add(kernel);
        }
      }
      for (const m of source.matchAll(/runKernel\(\s*'?(\w+)/g)) {
        direct.add(m[1]);
        all.add(m[1]);
      }
      for (const kernel of [...all]) {
        if (GRADIENT_KERNEL.test(kernel) && !direct.has(kernel)) all.delete(kernel);
      }
    }
    return this.closures.get(file);
  }
}

// {configs: kernel -> the config its module exports, imports: module -> the modules of dist/kernels
// it imports (kernels and helpers like kernel_utils)}.
function backendKernels(nodeModules, backend) {
  const dir = path.join(nodeModules, BACKEND_PACKAGES[backend], 'dist', 'kernels');
  const configs = new Map();
  const imports = new Map();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    const config = /export const (\w+Config)\s*=/.exec(source);
    if (config) configs.set(file.slice(0, -3), config[1]);
    imports.set(file.slice(0, -3), [...source.matchAll(/from '\.\/(\w+)'/g)].map((m) => m[1]));
  }
  return {configs, imports};
}

// Kernels plus the kernels their modules import: a wasm kernel calling another one's function
// needs that one registered, since registration is what binds its C function.
function withImportedKernels(kernels, {configs, imports}) {
  const seen = new Set();
  const add = (module) => {
    if (seen.has(module) || !imports.has(module)) return;
    seen.add(module);
    for (const imported of imports.get(module)) add(imported);
  };
  for (const kernel of kernels) if (configs.has(kernel)) add(kernel);
  return [...seen].filter((module) => configs.has(module)).sort();
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const nodeModules = args.node_modules;
  const kernel2op = JSON.parse(fs.readFileSync(
      path.join(nodeModules, '@tensorflow/tfjs-converter/metadata/kernel2op.json'), 'utf8'));
  const core = new CoreOps(path.join(nodeModules, '@tensorflow/tfjs-core/dist'));
  const perBackend = new Map(args.backend.map((b) => [b, backendKernels(nodeModules, b)]));
  const lines = [
    "import {registerKernel} from '@tensorflow/tfjs-core/dist/base';",
    "import '@tensorflow/tfjs-core/dist/base_side_effects';",
    "export * from '@tensorflow/tfjs-core/dist/base';",
    "export * from '@tensorflow/tfjs-converter';",
  ];
  const report = {backends: {}, models: {}};

  if (args.model.length === 0) {
    for (const backend of args.backend) lines.push(`export * from '${BACKEND_PACKAGES[backend]}';`);
    for (const [backend, kernels] of perBackend) report.backends[backend] = [...kernels.configs.keys()];
    // What tfjs-core's ops_for_converter holds.
    fs.writeFileSync(path.join(args.out, 'ops_for_converter.js'),
        "export * from '@tensorflow/tfjs-core/dist/ops/ops';\n");
  } else {
    const converterOps = new Set();
    // kernel -> the model op that runs it itself (it must exist in every backend), else null.
    const needed = new Map();
    const want = (opSymbol, why, strict) => {
      const file = core.moduleOf(opSymbol);
      if (!file) fail(`${why}: TF.js op ${opSymbol} has no module in @tensorflow/tfjs-core`);
      const {direct, all} = core.kernelsOf(file);
      for (const kernel of all) if (!needed.has(kernel)) needed.set(kernel, null);
      if (strict) for (const kernel of direct) needed.set(kernel, needed.get(kernel) || why);
    };
    for (const spec of args.model) {
      const [label, dir] = spec.split(/=(.*)/s);
      const ops = modelOps(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')));
      report.models[label] = ops;
      for (const op of ops) {
        const symbols = kernel2op[op];
        if (!symbols) fail(`op ${op} of model ${label} is not supported by TF.js (not in tfjs-converter's kernel2op.json)`);
        for (const symbol of symbols) {
          converterOps.add(symbol);
          want(symbol, `op ${op} of model ${label}`, true);
        }
      }
    }
    for (const op of [...ALWAYS_OPS, ...args.op]) want(op, `op ${op}`, false);
    for (const backend of args.backend) {
      lines.push('', `export * from '${BACKEND_PACKAGES[backend]}/dist/base';`);
      const available = perBackend.get(backend);
      for (const [kernel, why] of needed) {
        if (why && !available.configs.has(kernel)) fail(`${why} needs kernel ${kernel}, which the ${backend} backend does not have`);
      }
      const registered = withImportedKernels(needed.keys(), available);
      for (const kernel of registered) {
        const id = `${kernel}_${backend}`;
        lines.push(`import {${available.configs.get(kernel)} as ${id}} from '${BACKEND_PACKAGES[backend]}/dist/kernels/${kernel}';`);
        lines.push(`registerKernel(${id});`);
      }
      report.backends[backend] = registered;
    }
    fs.writeFileSync(path.join(args.out, 'ops_for_converter.js'), converterOpsModule(core, converterOps));
  }
  fs.writeFileSync(path.join(args.out, 'tfjs.js'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(args.out, 'core.js'), lines.slice(1, 3).join('\n') + '\n');
  fs.writeFileSync(path.join(args.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
}

// Exports the converter's op symbols, namespaced ones ('image.resizeBilinear') as objects.
function converterOpsModule(core, symbols) {
  const lines = [];
  const namespaces = new Map();
  for (const symbol of [...symbols].sort()) {
    const from = '@tensorflow/tfjs-core/dist/ops/' +
        path.relative(core.opsDir, core.moduleOf(symbol)).slice(0, -3).split(path.sep).join('/');
    const [ns, name] = symbol.includes('.') ? symbol.split('.') : ['', symbol];
    if (!ns) {
      lines.push(`export {${name}} from '${from}';`);
      continue;
    }
    lines.push(`import {${name} as ${ns}_${name}} from '${from}';`);
    namespaces.set(ns, [...(namespaces.get(ns) || []), name]);
  }
  for (const [ns, names] of namespaces) {
    lines.push(`export const ${ns} = {${names.map((n) => `${n}: ${ns}_${n}`).join(', ')}};`);
  }
  return lines.join('\n') + '\n';
}

main();
