// The smallest page a model-specific bundle serves: load a graph model, classify an image.
import * as tf from '@tensorflow/tfjs';

export async function classify(modelUrl, image) {
  await tf.ready();
  const model = await tf.loadGraphModel(modelUrl);
  const input = tf.tidy(() => tf.expandDims(tf.sub(tf.div(tf.cast(tf.browser.fromPixels(image), 'float32'), 127.5), 1), 0));
  return model.execute(input).data();
}
