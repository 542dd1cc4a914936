#!/usr/bin/env node
// Writes the demo's input: a seeded, colourful 224x224 RGB image as PNG, and as image.npy the
// float32 [1, 224, 224, 3] array the page feeds the model (pixel / 127.5 - 1, in float32 steps
// like TF.js's div then sub). Deterministic bytes: the PNG's deflate blocks are stored, not packed.
// usage: node make_image.js OUT.png OUT.npy
'use strict';
const fs = require('fs');
const zlib = require('zlib');

const SIZE = 224;

function pixels() {
  let seed = 20251130;
  const random = () => {  // a linear congruential generator: same numbers everywhere
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = (y * SIZE + x) * 3;
      const ring = Math.hypot(x - 112, y - 112) % 40 < 20 ? 60 : 0;
      rgb[i] = Math.min(255, Math.round(x * 255 / (SIZE - 1)) + ring) & 255;
      rgb[i + 1] = Math.round(y * 255 / (SIZE - 1));
      rgb[i + 2] = ((x ^ y) & 0x80) + Math.floor(random() * 128);
    }
  }
  return rgb;
}

const CRC_TABLE = Array.from({length: 256}, (_, n) => {
  for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1;
  return n >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(rgb) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 2, 0, 0, 0], 8);  // 8 bits, RGB, deflate, no filter method variant, no interlace
  const rows = [];
  for (let y = 0; y < SIZE; y++) rows.push(Buffer.from([0]), rgb.subarray(y * SIZE * 3, (y + 1) * SIZE * 3));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), {level: 0})),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function npy(rgb) {
  const values = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) values[i] = Math.fround(Math.fround(rgb[i] / 127.5) - 1);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (1, ${SIZE}, ${SIZE}, 3), }`;
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.set([0x93, ...Buffer.from('NUMPY', 'ascii'), 1, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'ascii'), Buffer.from(values.buffer)]);
}

const rgb = pixels();
fs.writeFileSync(process.argv[2], png(rgb));
fs.writeFileSync(process.argv[3], npy(rgb));
