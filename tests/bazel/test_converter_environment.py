"""The converter's Python environment lives in Bazel's output base and repository cache only:
new output bases (a fresh CI workspace, or after `bazel clean --expunge`) build from the
repository cache alone, two at once, whatever exists in RULES_TFJS_CACHE."""

import concurrent.futures
import os
import pathlib

from tests.bazel.bazel_driver import REPO_ROOT, bazel, copy_checkout, expunged_afterwards

DEMO = "//models:mobilenet_web"

# pip configured to reach nothing: no config files, an index on a closed port, no local folders.
NO_REGISTRY = {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
               "PIP_EXTRA_INDEX_URL": "", "PIP_FIND_LINKS": ""}


def _output_base(workspace, binds):
    lines = bazel(workspace, "info", "output_base", binds=binds).stdout.strip().splitlines()
    return pathlib.Path([line for line in lines if line.startswith("/")][-1])


def _links_leaving(directory, allowed_root):
    """Symbolic links under `directory` that resolve outside `allowed_root`."""
    found = []
    for parent, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = pathlib.Path(parent) / name
            if path.is_symlink() and allowed_root not in path.resolve().parents:
                found.append(path)
    return found


def test_new_output_bases_build_from_the_repository_cache_alone(tmp_path):
    bazel(REPO_ROOT, "fetch", "@tfjs_converter_env//:env")  # the wheels, in the repository cache
    checkouts = [copy_checkout(tmp_path / name) for name in ("first checkout", "second")]
    cache = tmp_path / "rules_tfjs cache"  # RULES_TFJS_CACHE: absent at first, made in between
    env = {**NO_REGISTRY, "RULES_TFJS_CACHE": str(cache)}
    with expunged_afterwards(checkouts[0], [tmp_path]), \
            expunged_afterwards(checkouts[1], [tmp_path]):
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            builds = [pool.submit(bazel, c, "build", DEMO, binds=[tmp_path], env=env)
                      for c in checkouts]
            for build in builds:
                build.result()
        cache.mkdir()  # what tools/test.sh's Python environment does on a fresh machine
        (cache / "venv-converter-0").mkdir()
        bazel(checkouts[0], "build", "//models:mobilenet_web_float16", binds=[tmp_path], env=env)

        output_bases = [_output_base(c, [tmp_path]) for c in checkouts]
        user_root = output_bases[0].parent
        for output_base in output_bases:
            external = output_base / "external"
            assert (external / "_main~tfjs~tfjs_converter_wheel_tensorflow").is_dir()
            # pip was never asked where a wheel is: every one came from the repository cache.
            assert not list(external.glob("*tfjs_converter_wheel_urls*")), output_base
            environment = [p for p in external.iterdir() if "tfjs_converter" in p.name]
            assert not [link for p in environment for link in _links_leaving(p, user_root)]
        models = [base / "execroot" / "_main" / "bazel-out" / "k8-fastbuild" / "bin" / "models"
                  / "mobilenet_web" for base in output_bases]
        files = [{p.name: p.read_bytes() for p in model.iterdir()} for model in models]
        assert "model.json" in files[0] and files[0] == files[1]
