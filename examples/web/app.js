// Loads the converted model and classifies a fixed gradient image; shows the top 5 classes.
'use strict';

function gradientImage() {
  return tf.tidy(() => {
    const ramp = tf.linspace(0, 1, 224);
    const rows = ramp.reshape([224, 1, 1]).tile([1, 224, 1]);
    const cols = ramp.reshape([1, 224, 1]).tile([224, 1, 1]);
    return tf.concat([rows, cols, rows.mul(cols)], 2).expandDims(0);
  });
}

async function main() {
  const status = document.getElementById('status');
  try {
    const model = await tf.loadGraphModel('model/model.json');
    const scores = model.execute(gradientImage());
    const {values, indices} = tf.topk(scores.squeeze(), 5);
    const [v, i] = [await values.data(), await indices.data()];
    document.getElementById('top5').innerHTML =
        Array.from(i, (cls, k) => `<li>class ${cls}: ${v[k].toFixed(4)}</li>`).join('');
    status.textContent = `Ran on the ${tf.getBackend()} backend.`;
    document.body.dataset.ready = 'true';
  } catch (e) {
    status.textContent = `Failed: ${e.message}`;
    document.body.dataset.ready = 'error';
  }
}

main();
