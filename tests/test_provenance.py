"""Code versions: the hashed modules are exactly what a job imports; comments and docstrings never count."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from transferability.config import STUDIES
from transferability.core import provenance
from transferability.core.canonical import canonical
from transferability.core.paths import REPO

KERNELS = sorted({kind.kernel for study in STUDIES.values() for kind in study.kinds.values()})
SCRIPTS = sorted(str(p) for p in (REPO / "workflow" / "scripts").glob("*.py"))


def _runtime_closure(entry: str) -> set[str]:
    """Package modules loaded after importing ``entry`` (a module, or a script's import lines, at any indentation)
    in a fresh process."""
    if entry.endswith(".py"):
        lines = [ln.strip() for ln in Path(entry).read_text().splitlines()
                 if ln.strip().startswith(("from transferability", "import transferability"))]
        code = "\n".join(lines)
    else:
        code = f"import {entry}"
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(m for m in sys.modules if m == 'transferability' " \
                   "or m.startswith('transferability.'))))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


# every per-job rule runs its kernel through the runner (part of each job kind's code version)
@pytest.mark.parametrize("kernel", KERNELS + ["transferability.core.runner"])
def test_hashed_modules_equal_the_runtime_import_closure_of_each_kernel(kernel):
    assert set(provenance.import_closure(kernel)) == _runtime_closure(kernel)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: Path(p).name)
def test_hashed_modules_equal_the_runtime_import_closure_of_each_workflow_script(script):
    assert set(provenance.import_closure(script)) == _runtime_closure(script)


def test_kernels_import_only_what_they_run():
    """The closures that make the promises of the README true: tasks and designs do not depend on the GD engine,
    linear transfer does not depend on it either, and the two studies do not depend on each other."""
    closure = {k.rsplit(".", 2)[-2] + "." + k.rsplit(".", 1)[-1]: set(provenance.import_closure(k)) for k in KERNELS}
    engine = "transferability.linear.training"
    assert engine not in closure["jobs.tasks"] | closure["jobs.design"]
    for kind in ("pretrain", "scratch", "fine_tune"):
        assert engine in set(provenance.import_closure(f"transferability.linear.jobs.{kind}"))
    assert engine not in set(provenance.import_closure("transferability.linear.jobs.linear_transfer"))
    for k in KERNELS:
        other = "transferability.relu" if ".linear." in k else "transferability.linear"
        assert not any(m.startswith(other) for m in provenance.import_closure(k)), k


def _copy_package(tmp_path: Path) -> Path:
    root = tmp_path / "src" / "transferability"
    shutil.copytree(Path(provenance.__file__).resolve().parents[1], root,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _version_in(root: Path, module: str) -> str:
    code = (f"import sys; sys.path.insert(0, {str(root.parent)!r}); "
            f"from transferability.core.provenance import code_version; print(code_version({module!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_comments_docstrings_and_formatting_do_not_change_a_version_but_code_does(tmp_path):
    root = _copy_package(tmp_path)
    kernel = "transferability.linear.jobs.fine_tune"
    before = _version_in(root, kernel)
    training = root / "linear" / "training.py"
    src = training.read_text()
    edited = src.replace('"""', '"""Reworded. ', 1) + "\n# a trailing comment\n\n\n"
    edited = edited.replace("import numpy as np", "import numpy as np  # with a comment", 1)
    training.write_text(edited)
    assert _version_in(root, kernel) == before
    training.write_text(src + "\nEXTRA_CONSTANT = 1\n")
    after = _version_in(root, kernel)
    assert after != before
    # ... and the version of a job that does not import the engine is unchanged by that edit
    assert _version_in(root, "transferability.linear.jobs.design") == _version_in(
        _copy_package(tmp_path / "fresh"), "transferability.linear.jobs.design")


def test_canonical_specs_ignore_key_order_and_tuple_vs_list():
    a = {"b": 1, "a": {"y": (1.0, 2.0), "x": None}}
    b = {"a": {"x": None, "y": [1.0, 2.0]}, "b": 1}
    assert json.dumps(canonical(a)) == json.dumps(canonical(b))
    assert repr(canonical(a)) == repr(canonical(b))
    with pytest.raises(ValueError, match="not finite"):
        canonical({"x": float("nan")})
