"""Every layer class TF.js 4.22 registers that Keras 3 or tf_keras has, swept through every Keras
save format and both output formats (tests/converter/keras_sweep.py): each must match Keras in
TF.js or be refused with a line that names what TF.js cannot do. The table is printed at the end.
"""

import keras
import pytest
import tf_keras

from tests.converter import keras_sweep
from tools.converter.writers import tfjs_translation


REPORTED = []  # the sweep's results, for the summary tests/converter/conftest.py prints


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    results = keras_sweep.run(tmp_path_factory.mktemp("sweep"))
    REPORTED.extend(results)
    return results


def _keras_has(cls, save):
    keras_module = keras if keras_sweep.SAVES[save][0] == "keras3" else tf_keras
    return hasattr(keras_module.layers, cls)


@pytest.mark.parametrize("output_format", keras_sweep.FORMATS)
@pytest.mark.parametrize("save", keras_sweep.SAVES)
@pytest.mark.parametrize("cls", keras_sweep.CASES)
def test_layer_matches_keras_in_tfjs_or_is_refused_clearly(sweep, cls, save, output_format):
    mine = [r for r in sweep if (r.cls, r.save, r.format) == (cls, save, output_format)]
    failures = [r for r in mine if r.outcome == keras_sweep.FAILED]
    assert not failures, "\n".join(f"[{r.config}] {r.detail}" for r in failures)
    if _keras_has(cls, save):  # something was converted, not only found impossible in Keras
        assert any(r.outcome != keras_sweep.NOT_APPLICABLE for r in mine), mine


def test_every_tfjs_layer_keras_has_is_swept():
    layers = {name for name in tfjs_translation.tfjs_classes()
              if hasattr(keras.layers, name) or hasattr(tf_keras.layers, name)}
    assert layers - set(keras_sweep.CASES) == set()
    assert len(layers) >= 60
