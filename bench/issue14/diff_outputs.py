"""PROTOTYPE (issue 14): how two graph-model outputs differ (nodes, manifest entries, values).

    PYTHONPATH=. python bench/issue14/diff_outputs.py EXPECTED_DIR ACTUAL_DIR
"""
import json
import sys

import numpy as np

from tools.converter.writers import weights


def load(directory):
    model = json.load(open(f"{directory}/model.json"))
    nodes = {n["name"]: n for n in model["modelTopology"]["node"]}
    values = weights.read_manifest(model["weightsManifest"], directory)
    return model, nodes, values


def main(a, b):
    ma, na, va = load(a)
    mb, nb, vb = load(b)
    for name in sorted(set(na) - set(nb)):
        print(f"- node {name} ({na[name]['op']})")
    for name in sorted(set(nb) - set(na)):
        print(f"+ node {name} ({nb[name]['op']}) inputs={nb[name].get('input')}")
    for name in sorted(set(na) & set(nb)):
        if na[name] != nb[name]:
            keys = sorted(k for k in set(na[name]) | set(nb[name]) if na[name].get(k) != nb[name].get(k))
            print(f"~ node {name}: {keys}")
    order_a = [w["name"] for g in ma["weightsManifest"] for w in g["weights"]]
    order_b = [w["name"] for g in mb["weightsManifest"] for w in g["weights"]]
    for name in sorted(set(va) & set(vb)):
        if va[name].dtype != vb[name].dtype or va[name].shape != vb[name].shape or not np.array_equal(va[name], vb[name]):
            print(f"~ weight {name}: values differ")
    if order_a != order_b:
        print("manifest order/names differ", len(order_a), len(order_b))
    print("functions same:", ma["modelTopology"].get("library") == mb["modelTopology"].get("library"))


if __name__ == "__main__":
    main(*sys.argv[1:3])
