#!/usr/bin/env node
// Serves a static site on 127.0.0.1; files under /model/ only to requests that carry the header
// `X-Model-Token: <token>` (else 401), as a model behind an authenticated endpoint would be.
// usage: server.js SITE_DIR [--port=N] [--token=T]   (or PORT / MODEL_TOKEN; port 0: any free one)
// Prints the page's URL, with ?token=... for the page to send the header.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.css': 'text/css', '.map': 'application/json',
};

/** Starts serving `root`; resolves to {server, url} once listening. */
function serve({root, port = 0, token}) {
  root = path.resolve(root);
  const server = http.createServer((req, res) => {
    const reply = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, {'Content-Type': type, 'Cache-Control': 'no-store'});
      res.end(body);
    };
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return reply(400, 'Bad request\n');
    }
    if (pathname.startsWith('/model/') && req.headers['x-model-token'] !== token) {
      return reply(401, 'Unauthorized: missing or wrong X-Model-Token header\n');
    }
    const file = path.join(root, pathname.endsWith('/') ? pathname + 'index.html' : pathname);
    if (!file.startsWith(root + path.sep)) return reply(403, 'Forbidden\n');
    fs.readFile(file, (err, data) => {
      if (err) return reply(404, 'Not found\n');
      reply(200, data, TYPES[path.extname(file)] || 'application/octet-stream');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({server, url: `http://127.0.0.1:${server.address().port}/`});
    });
  });
}

async function main(argv) {
  const flag = (name) => (argv.find((a) => a.startsWith(`--${name}=`)) || '').split('=')[1];
  const root = argv.find((a) => !a.startsWith('--'));
  const token = flag('token') || process.env.MODEL_TOKEN;
  if (!root || !token) {
    console.error('usage: server.js SITE_DIR [--port=N] --token=T   (or PORT, MODEL_TOKEN)');
    process.exit(2);
  }
  const port = Number(flag('port') || process.env.PORT || 0);
  const {url} = await serve({root, port, token});
  console.log(`Serving ${root} on ${url}?token=${encodeURIComponent(token)} (Ctrl-C to stop)`);
}

if (require.main === module) main(process.argv.slice(2));

module.exports = {serve};
