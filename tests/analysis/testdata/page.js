import * as tf from '@tensorflow/tfjs';
export const backend = () => tf.getBackend();
