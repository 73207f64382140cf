"""Config files are read strictly: a repeated key or a yte template stops the run before any job, naming it."""

import json
import subprocess
import sys

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from workflow_utils import REPO, SNAKEMAKE, TINY

from transferability.configfile import ConfigFileError, read_config_file

# keys as config files spell them ("k" first: YAML would read a bare "no" or "null" as a boolean or None)
_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).map(lambda s: "k" + s)


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(_names, min_size=1, max_size=6, unique=True), data=st.data())
def test_a_repeated_yaml_key_is_named_with_both_lines(tmp_path_factory, keys, data):
    """Any mapping (top level or nested) with one key twice is refused, naming the key and its two lines."""
    dup = data.draw(st.sampled_from(keys))
    nested = data.draw(st.booleans())
    body = [f"{k}: {i}" for i, k in enumerate(keys)] + [f"{dup}: 99"]
    lines = ["top:"] + ["  " + b for b in body] if nested else body
    path = tmp_path_factory.mktemp("dup") / "cfg.yaml"
    path.write_text("\n".join(lines) + "\n")
    first = lines.index(("  " if nested else "") + f"{dup}: {keys.index(dup)}") + 1
    with pytest.raises(ConfigFileError) as err:
        read_config_file(path)
    assert f"key '{dup}' appears twice: line {first} and line {len(lines)}" in str(err.value)
    # the same mapping without the repeat reads back exactly
    path.write_text("\n".join(lines[:-1]) + "\n")
    want = {k: i for i, k in enumerate(keys)}
    assert read_config_file(path) == ({"top": want} if nested else want)


def test_a_repeated_json_key_is_named(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text('{"experiments": {"a": {"sigma": 0.2,\n "sigma": 0.9}}}')
    with pytest.raises(ConfigFileError, match=r"key 'sigma' appears twice in one object \(lines 1, 2\)"):
        read_config_file(path)
    path.write_text(json.dumps({"experiments": {"a": {"sigma": 0.2}}}))
    assert read_config_file(path) == {"experiments": {"a": {"sigma": 0.2}}}


def test_yaml_merge_keys_may_be_overridden(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nover:\n  <<: *b\n  x: 3\n")
    assert read_config_file(path)["over"] == {"x": 3, "y": 2}


def test_yte_configs_and_non_mappings_are_refused(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("__use_yte__: true\nresults: res\n")
    with pytest.raises(ConfigFileError, match="__use_yte__"):
        read_config_file(path)
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigFileError, match="must hold a mapping"):
        read_config_file(path)


def _dry_run(tmp_path, text):
    (tmp_path / "cfg.yaml").write_text(text)
    cmd = SNAKEMAKE + ["-d", str(tmp_path), "--configfile", str(tmp_path / "cfg.yaml"), "-n"]
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.mark.workflow
def test_snakemake_refuses_a_repeated_key_and_a_yte_config_before_any_job(tmp_path):
    text = yaml.safe_dump(TINY)
    dup = text.replace("sigma: 0.2\n", "sigma: 0.2\n    sigma: 0.9\n")
    assert dup != text
    out = _dry_run(tmp_path, dup)
    assert out.returncode != 0 and "key 'sigma' appears twice" in out.stdout + out.stderr
    out = _dry_run(tmp_path, "__use_yte__: true\n" + text)
    assert out.returncode != 0 and "__use_yte__" in out.stdout + out.stderr
    # plan reads config files the same way, and names the key without a traceback
    plan = subprocess.run([sys.executable, "-m", "transferability.cli", "plan", "--configfile",
                           str(tmp_path / "cfg.yaml"), "--directory", str(REPO)], capture_output=True, text=True)
    assert plan.returncode != 0 and "__use_yte__" in plan.stderr and "Traceback" not in plan.stderr


@pytest.mark.workflow
def test_results_outside_the_working_directory_are_written_there(tmp_path):
    """``results: ../outside`` is allowed: it names the directory beside the working directory, by absolute path."""
    from workflow_utils import _write, smk

    wd = tmp_path / "wd"
    wd.mkdir()
    _write(wd, {**TINY, "results": "../outside"})
    target = tmp_path / "outside/tiny/tasks/seed0.npz"
    smk(wd, "--cores", "1", str(target))
    assert target.exists() and not (wd / "outside").exists() and not (wd / "res").exists()
    dry = smk(wd, "-n")
    assert str(tmp_path / "outside/tiny/fine_tune/theta30_gamma0.5_seed0.npz") in dry.stdout
