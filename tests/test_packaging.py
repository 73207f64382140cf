"""environment.yml and pyproject.toml pin the same dependencies; the schema and its reference agree."""

import re
import tomllib
from pathlib import Path

import yaml

from transferability.config import load_schema

REPO = Path(__file__).resolve().parents[1]


def test_environment_and_pyproject_pins_agree():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    py = set(meta["dependencies"]) | set(meta["optional-dependencies"]["test"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = {p for p in pip if not p.startswith("-e")}
    assert py == conda
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", p) for p in py), "every dependency is pinned"
    assert "torch==2.13.0" in py


def test_rule_environment_pins_the_same_versions():
    def pins(path):
        env = yaml.safe_load((REPO / path).read_text())
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        return {p for p in pip if not p.startswith("-e")}, env["dependencies"][0]

    assert pins("environment.yml") == pins("workflow/envs/transferability.yaml")


def _schema_keys(node, root, prefix=""):
    if "$ref" in node:
        ref = node["$ref"].lstrip("#/").split("/")
        target = root
        for part in ref:
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    keys = []
    for name, sub in node.get("properties", {}).items():
        keys.append(prefix + name)
        keys += _schema_keys(sub, root, prefix + name + ".")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        keys += _schema_keys(extra, root, prefix + "<name>.")
    return keys


def test_configuration_reference_lists_every_schema_key_and_no_other():
    schema = load_schema()
    keys = set(_schema_keys(schema, schema))
    doc = (REPO / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `([^`]+)` \|", doc, flags=re.M))
    assert keys == documented, f"missing: {sorted(keys - documented)}; stale: {sorted(documented - keys)}"


def test_rule_files_are_snakefmt_clean():
    import subprocess
    import sys

    files = [str(REPO / "Snakefile"), *map(str, sorted((REPO / "workflow" / "rules").glob("*.smk")))]
    out = subprocess.run([sys.executable, "-m", "snakefmt", "--check", *files], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
