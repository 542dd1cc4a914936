"""Repository rules: the converter's Python environment as Bazel-managed repositories.

Every requirement of `requirements/converter.lock` becomes a repository holding its unpacked wheel
(`@tfjs_converter_wheel_<name>`), fetched by digest through Bazel's downloader, so it lands in the
repository cache and the downloader config applies. `@tfjs_converter_env` gathers them
into one `converter_environment` target whose files are declared inputs of every conversion:
nothing lives outside the output base, so sandboxes, remote executors and `bazel clean --expunge`
all see the same environment.

Which wheel file a requirement needs depends on the interpreter's Python version; the table
`requirements/converter_wheels.bzl` names it with its sha256. Only when Bazel's repository cache
does not hold it yet does pip (with its own configuration) say where to download it from, once for
all wheels, in `@tfjs_converter_wheel_urls`.
"""

load("//requirements:converter_wheels.bzl", "CONVERTER_WHEELS")

SUPPORTED_PYTHONS = sorted(CONVERTER_WHEELS.keys())
_REQUIREMENTS = sorted(CONVERTER_WHEELS[SUPPORTED_PYTHONS[0]].keys())

_INTERPRETER_ATTRS = {
    "python_interpreter": attr.string(
        doc = "Path or name (on PATH) of a Python %s; default: the first found." %
              "-".join([SUPPORTED_PYTHONS[0], SUPPORTED_PYTHONS[-1]]),
    ),
    "python_interpreter_target": attr.label(
        doc = "A label of a Python interpreter file (wins over python_interpreter).",
        allow_single_file = True,
    ),
}

# Directories of the strict action environment's PATH: an interpreter there is named by its
# versioned name, which any machine (a remote executor too) resolves to its own copy.
_ACTION_PATH = ["/bin", "/usr/bin", "/usr/local/bin"]

# Never read by a conversion: TensorFlow's C++ headers (18,000 of its 25,000 files, 430 MB, with
# BUILD files of their own), deleted after unpacking; files with spaces in their names (setuptools
# templates), which runfiles cannot hold, left out of the target.
_UNUSED_DIRECTORIES = ["site/tensorflow/include"]
_EXCLUDED = ["site/**/* *"]

def _python_version(rctx, path):
    result = rctx.execute([path, "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    return result.stdout.strip() if result.return_code == 0 else None

def find_python(rctx, python_interpreter, python_interpreter_target):
    """The converter's interpreter: struct(path, version, command); fails with the choices.

    `command` is what launchers exec: the versioned name (python3.13) when the interpreter is
    in a directory of the action PATH, else its absolute path.
    """
    if python_interpreter_target:
        candidates = [str(rctx.path(python_interpreter_target))]
    elif python_interpreter:
        candidates = [python_interpreter]
    else:
        candidates = ["python3"] + ["python" + v for v in reversed(SUPPORTED_PYTHONS)]
    for candidate in candidates:
        path = rctx.which(candidate) if "/" not in candidate else rctx.path(candidate)
        if not path or not path.exists:
            continue
        version = _python_version(rctx, str(path))
        if version in SUPPORTED_PYTHONS:
            command = "python" + version
            if str(path.dirname) not in _ACTION_PATH or not rctx.which(command):
                command = str(path)
            return struct(path = str(path), version = version, command = command)
        if python_interpreter or python_interpreter_target:
            fail("rules_tfjs: %s is Python %s; the converter needs one of %s (TensorFlow 2.21 has wheels for those)" %
                 (path, version, ", ".join(SUPPORTED_PYTHONS)))
    fail("rules_tfjs: no Python %s found on PATH (tried %s); set tfjs.converter(python_interpreter = ...)" %
         (" or ".join(SUPPORTED_PYTHONS), ", ".join(candidates)))

def wheel_repo_name(requirement):
    """The repository of a requirement's wheel: tfjs_converter_wheel_<name>."""
    return "tfjs_converter_wheel_" + requirement.replace("-", "_")

def _pip(rctx, python):
    """A Python that has pip: the interpreter itself, else a venv made from it."""
    if rctx.execute([python.path, "-m", "pip", "--version"]).return_code == 0:
        return python.path
    result = rctx.execute([python.path, "-m", "venv", "pip_venv"], timeout = 600)
    if result.return_code != 0:
        fail("rules_tfjs: %s has neither pip nor venv, needed once to locate the wheels: %s" %
             (python.path, result.stderr.strip()))
    return str(rctx.path("pip_venv/bin/python"))

def _wheel_urls_impl(rctx):
    python = find_python(rctx, rctx.attr.python_interpreter, rctx.attr.python_interpreter_target)
    rctx.report_progress("Asking pip where the converter's wheels for Python %s are" % python.version)
    result = rctx.execute(
        [_pip(rctx, python), str(rctx.path(rctx.attr._lock_wheels)), "--urls", python.version, "urls.json"],
        timeout = 1800,
    )
    if result.return_code != 0:
        fail("rules_tfjs: pip could not locate the converter's wheels:\n" + result.stderr)
    rctx.delete("pip_venv")
    rctx.file("BUILD.bazel", 'exports_files(["urls.json"])\n')

converter_wheel_urls = repository_rule(
    implementation = _wheel_urls_impl,
    doc = "`urls.json`: {sha256: URL} of the converter's wheels, as pip's configuration finds them. " +
          "Fetched only when a wheel is missing from Bazel's repository cache.",
    attrs = dict(_INTERPRETER_ATTRS, _lock_wheels = attr.label(
        default = "//tools/bootstrap:lock_wheels.py",
        allow_single_file = True,
    )),
    environ = ["PATH"],
)

def _download(rctx, file, sha256, output):
    # With no URL, only the repository cache answers (by digest); on a miss pip says where the
    # file is (then --distdir and the downloader config apply to that URL).
    if rctx.download(url = [], output = output, sha256 = sha256, allow_fail = True).success:
        return
    urls = json.decode(rctx.read(rctx.path(Label("@tfjs_converter_wheel_urls//:urls.json"))))
    if sha256 not in urls:
        fail("rules_tfjs: pip's configuration does not offer %s (sha256 %s); if the lock changed, run tools/bootstrap/lock_wheels.py" %
             (file, sha256))
    rctx.report_progress("Downloading " + file)
    rctx.download(url = [urls[sha256]], output = output, sha256 = sha256)

def _install_data(rctx, site):
    """Moves a wheel's `<name>.data/{purelib,platlib}` into place, as pip does; drops its scripts,
    headers and data, which no conversion uses."""
    for data in [e for e in site.readdir() if e.basename.endswith(".data")]:
        for scheme in ("purelib", "platlib"):
            if data.get_child(scheme).exists:
                for entry in data.get_child(scheme).readdir():
                    result = rctx.execute(["mv", str(entry), str(site)])
                    if result.return_code != 0:
                        fail("rules_tfjs: could not install %s: %s" % (entry, result.stderr))
        rctx.delete(data)

def _converter_wheel_impl(rctx):
    python = find_python(rctx, rctx.attr.python_interpreter, rctx.attr.python_interpreter_target)
    if python.version not in rctx.attr.files:
        fail("rules_tfjs: no %s wheel for Python %s in requirements/converter_wheels.bzl" %
             (rctx.attr.requirement, python.version))
    file, sha256 = rctx.attr.files[python.version]
    _download(rctx, file, sha256, "wheel.zip")  # Bazel 7's extract knows zips by their suffix
    rctx.extract("wheel.zip", output = "site")
    rctx.delete("wheel.zip")
    _install_data(rctx, rctx.path("site"))
    for directory in _UNUSED_DIRECTORIES:
        rctx.delete(directory)

    # Compiled once here, so that no process compiles TensorFlow's modules at start-up. Hash-based,
    # unchecked pycs with relative file names are the same bytes on every machine.
    rctx.report_progress("Compiling " + file)
    result = rctx.execute(
        # One process, not -j: marshal flags objects by their reference counts, which depend on
        # what the compiling process compiled before, so pycs split among workers at random
        # differed between output bases (keras/src/legacy/backend.py) and missed the remote cache.
        [python.path, "-S", "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", "site"],
        timeout = 1800,
    )
    if result.return_code != 0:
        fail("rules_tfjs: compiling %s failed:\n%s" % (file, result.stdout + result.stderr))
    rctx.file("BUILD.bazel", """# Generated by rules_tfjs: the unpacked wheel {file}.
filegroup(
    name = "site",
    srcs = glob(["site/**"], exclude = {excluded}),
    visibility = ["//visibility:public"],
)
""".format(file = file, excluded = repr(_EXCLUDED)))

converter_wheel = repository_rule(
    implementation = _converter_wheel_impl,
    doc = "One wheel of the converter's environment, unpacked and compiled for the interpreter.",
    attrs = dict(_INTERPRETER_ATTRS, **{
        "requirement": attr.string(mandatory = True),
        "files": attr.string_list_dict(mandatory = True, doc = "Python version: [file, sha256]."),
    }),
    environ = ["PATH"],
)

def _converter_env_impl(rctx):
    python = find_python(rctx, rctx.attr.python_interpreter, rctx.attr.python_interpreter_target)
    rctx.file("BUILD.bazel", """# Generated by rules_tfjs: the converter's Python environment.
load("{rule}", "converter_environment")

converter_environment(
    name = "env",
    interpreter = "{command}",
    python_version = "{version}",
    wheels = {wheels},
    visibility = ["//visibility:public"],
)
""".format(
        rule = str(Label("//rules/private:converter_environment.bzl")),
        command = python.command,
        version = python.version,
        wheels = repr(["@%s//:site" % wheel_repo_name(r) for r in _REQUIREMENTS]),
    ))

converter_env = repository_rule(
    implementation = _converter_env_impl,
    doc = "`@tfjs_converter_env//:env`: the interpreter and the wheels of the converter.",
    attrs = _INTERPRETER_ATTRS,
    environ = ["PATH"],
)

def converter_repositories(python_interpreter = "", python_interpreter_target = None):
    """Declares @tfjs_converter_env, its wheel repositories and @tfjs_converter_wheel_urls."""
    interpreter = dict(
        python_interpreter = python_interpreter,
        python_interpreter_target = python_interpreter_target,
    )
    converter_wheel_urls(name = "tfjs_converter_wheel_urls", **interpreter)
    for requirement in _REQUIREMENTS:
        converter_wheel(
            name = wheel_repo_name(requirement),
            requirement = requirement,
            files = {v: list(CONVERTER_WHEELS[v][requirement]) for v in SUPPORTED_PYTHONS},
            **interpreter
        )
    converter_env(name = "tfjs_converter_env", **interpreter)
