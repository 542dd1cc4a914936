"""PROTOTYPE (issue 14): the per-model table from run_origins.sh's JSON files.

    python3 bench/issue14/summarise.py ORIGINS_DIR [--detail]
"""
import collections
import glob
import json
import os
import sys


def kind(w):
    if w["origin"] == "passthrough":
        return None
    name = w["name"].rsplit("/", 1)[-1]
    g = (w.get("grappler_optimizer") or "").split(":")[-1]
    step = w["step"].split(":", 1)[-1]
    label = step if not g or not step.startswith("grappler") else f"grappler {g}"
    if step.startswith("grappler"):
        label = f"grappler {g or '?'}"
    tag = "merged_input" if name.startswith("merged_input") else (
        "folded_weights" if "folded_weights" in name else w.get("kind"))
    return f"{label}/{tag}"


def main(directory, detail=False):
    print("| conversion | same bytes | weights | passed through (n / bytes) | renamed | folded (n / bytes) | folds |")
    print("|---|---|---|---|---|---|---|")
    for path in sorted(glob.glob(os.path.join(directory, "*.json")), key=os.path.getmtime):
        try:
            report = json.load(open(path))
        except ValueError:
            continue
        for name, entry in report.items():
            ws = entry["weights"]
            p = [w for w in ws if w["origin"] == "passthrough"]
            f = [w for w in ws if w["origin"] == "folded"]
            renamed = collections.Counter(w["renamed_at"].split(":", 1)[-1] for w in p if "renamed_at" in w)
            kinds = collections.Counter(kind(w) for w in f)
            pb = sum(w["bytes"] or 0 for w in p)
            fb = sum(w["bytes"] or 0 for w in f)
            print(f"| {name} | {entry['same_bytes_as_recorded']} | {len(ws)} | {len(p)} / {pb} | "
                  + ", ".join(f"{v}× {k}" for k, v in renamed.items()) + f" | {len(f)} / {fb} | "
                  + ", ".join(f"{v}× {k}" for k, v in kinds.items()) + " |")
            if detail:
                for w in f:
                    print("    ", w["name"], w["shape"], w["bytes"], kind(w))


if __name__ == "__main__":
    main(sys.argv[1], "--detail" in sys.argv)
