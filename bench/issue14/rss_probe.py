"""Issue 14, a first peak-memory probe (not bench/large_model.py): a SavedModel of four 4096x4096
float32 variables (256 MB, seeded) converted with the default --stream_weights_min_bytes (every
weight frozen into the GraphDef) and with 1 MB (every weight a stand-in), each in a process of
its own; prints RSS after `import tensorflow`, peak RSS and seconds, and whether the outputs are
the same bytes.

    PYTHONPATH=. python bench/issue14/rss_probe.py WORKDIR

2026-11-30, this machine: default 537 MB after import, peak 4205 MB, 23.9 s; 1 MB threshold:
peak 813 MB, 2.5 s; the same files. A tiny SavedModel (tf2_variables) peaks 9 MB over the import.
Where the 276 MB over the import come from, with stand-ins (peak RSS after each step): all of it
during freezing: +146 MB in freezer._freeze_variables (reading one 64 MB value from the
checkpoint and classifying it takes +80 MB on its own), +130 MB in its grappler "function" run on a
4 KB graph (a 3-node graph costs grappler +3 MB; a graph of four [4096, 4096] float32 Placeholders
costs +259 MB: grappler's item builder feeds every Placeholder, hence every stand-in, a full-size
fake tensor of its shape, in every grappler call; stand-ins without a "shape" attr make grappler
fail to import the graph, so the stand-ins need another form for grappler: the next step); optimise, canonicalise and write add nothing. Deleting the loop's last value
before reading the next (freezer, weight_files) and handing the writer a memoryview instead of
tobytes() changed nothing.
"""

import filecmp
import os
import resource
import subprocess
import sys
import time


def make(workdir):
    """Writes the SavedModel into WORKDIR/sm."""
    import numpy as np  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    rng, n = np.random.default_rng(0), 4096
    module = tf.Module()
    module.ws = [tf.Variable(rng.standard_normal((n, n), dtype=np.float32)) for _ in range(4)]

    @tf.function(input_signature=[tf.TensorSpec([None, n], tf.float32, name="x")])
    def serve(x):
        for w in module.ws:
            x = tf.nn.relu(tf.matmul(x, w))
        return {"y": x}
    tf.saved_model.save(module, os.path.join(workdir, "sm"), signatures={"serving_default": serve})


def convert(workdir, out, *flags):
    """One conversion in this process; prints the figures."""
    from tools.converter import tf_import  # pylint: disable=import-outside-toplevel
    tf_import.import_tensorflow()
    from tools.converter import cli  # pylint: disable=import-outside-toplevel
    after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    start = time.time()
    status, message = cli.run_command([*flags, os.path.join(workdir, "sm"), out])
    assert status == 0, message
    print(f"{' '.join(flags) or 'default'}: {after_import} MB after import, peak "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB, "
          f"{time.time() - start:.1f} s")


def main():
    if sys.argv[1] == "--make":
        make(sys.argv[2])
        return
    if sys.argv[1] == "--convert":
        convert(*sys.argv[2:])
        return
    workdir = sys.argv[1]
    run = [sys.executable, __file__]
    subprocess.run([*run, "--make", workdir], check=True, capture_output=True)
    outs = [os.path.join(workdir, name) for name in ("default", "stand_ins")]
    for out, flags in zip(outs, ([], ["--stream_weights_min_bytes=1048576"])):
        print(subprocess.run([*run, "--convert", workdir, out, *flags], check=True,
                             capture_output=True, text=True).stdout.strip())
    same = filecmp.dircmp(*outs)
    print("same files" if not (same.diff_files or same.left_only or same.right_only)
          else "DIFFERENT")


if __name__ == "__main__":
    main()
