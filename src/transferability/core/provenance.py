"""Code versions: a job's version is a hash of the code it runs, and nothing else.

The code a job runs is its kernel module plus every module of this package that it imports, directly or through
other modules (its import closure), plus the workflow script that calls it. Each source is normalised before
hashing (parsed, docstrings dropped, unparsed), so comments, docstrings and formatting never change a version,
and an edit to a module changes the version of exactly the jobs whose closure contains it.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

__all__ = ["PACKAGE", "module_file", "import_closure", "normalised_source", "code_version"]

PACKAGE = "transferability"
_ROOT = Path(__file__).resolve().parents[1]  # src/transferability


def module_file(name: str) -> Path:
    """Source file of a package module: ``transferability.core.store`` -> ``.../core/store.py``."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        raise ValueError(f"{name!r} is not a module of {PACKAGE}")
    base = _ROOT.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    raise ModuleNotFoundError(f"no module {name!r} under {_ROOT}")


def _is_module(name: str) -> bool:
    try:
        module_file(name)
        return True
    except (ModuleNotFoundError, ValueError):
        return False


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@functools.cache
def _direct_imports(path: Path, name: str | None) -> frozenset[str]:
    """Package modules a file imports (anywhere in it), with the packages that contain them."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if name is None:
                    raise ValueError(f"{path}: relative import outside the package")
                anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if _is_module(sub) else base)
    out = set()
    for mod in found:
        out.add(mod)
        out.update(_parents(mod))
    return frozenset(out)


@functools.cache
def import_closure(*entries: str) -> tuple[str, ...]:
    """Sorted package modules that ``entries`` (module names, or paths of scripts outside the package) import.

    Module entries are part of their own closure, with every package that contains them (whose ``__init__``
    runs on import).
    """
    todo, seen = [], set()
    for entry in entries:
        if entry.endswith(".py"):
            todo.extend(_direct_imports(Path(entry).resolve(), None))
        else:
            todo.extend([entry, *_parents(entry)])
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        todo.extend(_direct_imports(module_file(mod), mod) - seen)
    return tuple(sorted(seen))


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


@functools.cache
def normalised_source(path: Path) -> str:
    """The file's code without comments, docstrings or formatting (``ast.unparse`` of the docstring-free tree)."""
    return ast.unparse(_strip_docstrings(ast.parse(Path(path).read_text(), filename=str(path))))


@functools.cache
def code_version(*entries: str) -> str:
    """12-hex-digit hash of the normalised source of ``entries`` and their import closure.

    ``entries`` are module names (``transferability.linear.jobs.fine_tune``) or paths of workflow scripts. The
    value is fixed for the life of the process, so a run stamps every job with the code it started with.
    """
    h = hashlib.sha256()
    files = [(m, module_file(m)) for m in import_closure(*entries)]
    files += sorted((Path(e).name, Path(e).resolve()) for e in entries if e.endswith(".py"))
    for label, path in files:
        h.update(label.encode() + b"\0" + normalised_source(path).encode() + b"\0")
    return h.hexdigest()[:12]
