#!/usr/bin/env node
// Writes the Keras class names @tensorflow/tfjs can deserialise (layers, initializers,
// constraints, ...) as JSON to the given file; tools/converter/writers/tfjs_layers.json is its output.
// usage: node list_tfjs_classes.js OUT.json
'use strict';
const fs = require('fs');
const {tf} = require('../../tools/js/graph_model_io');

const classes = Object.keys(tf.serialization.SerializationMap.getMap().classNameMap).sort();
fs.writeFileSync(process.argv[2], JSON.stringify({tfjs_version: tf.version.tfjs, classes}, null, 1) + '\n');
