"""What a change recomputes: exactly the jobs whose inputs, values or code changed, and every missing file.

The workflow runs from a copy of the repository (so tests can edit its sources) on a tiny config with both
studies. Each test leaves the copy and the results as it found them.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from workflow_utils import REPO, job_counts

from transferability.core.store import load_cell

pytestmark = pytest.mark.workflow

CFG = {
    "results": "res",
    "distances": None,
    "experiments": {
        "tiny": {"d": 12, "sigma": 0.2, "instances": 3, "theta_deg": [30, 60], "gamma": [0.5, 1.5],
                 "ridge": [0.0, 0.1], "slices_deg": [30], "train": {"max_steps": 20000, "tol": 1.0e-6}},
    },
    "relu": {"d": 6, "m_star": 6, "width": 40, "instances": 2, "mu": [0.0, 0.5], "n": [8, 16, 24],
             "ridge": [1.0e-3, 1.0e-2], "kernel_points": 50, "kernel_figure_mu": 0.5,
             "pretrain": {"lr": 1.0, "lr_max": 2.0, "tol": 1.0e-4, "max_steps": 100000},
             "train": {"tol": 1.0e-4}},
}
PER_JOB_RULES = {"linear_tasks", "linear_design", "linear_pretrain", "linear_scratch", "linear_linear_transfer",
                 "linear_fine_tune_tiny", "relu_pretrain", "relu_scratch", "relu_linear_transfer", "relu_fine_tune"}


class Checkout:
    """A copy of the workflow and package, and a working directory that runs it."""

    def __init__(self, root: Path):
        self.repo, self.wd = root / "repo", root / "wd"
        shutil.copytree(REPO / "workflow", self.repo / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "src", self.repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        shutil.copytree(REPO / "profiles", self.repo / "profiles")
        shutil.copy(REPO / "Snakefile", self.repo / "Snakefile")
        self.wd.mkdir()
        self.write_config(CFG)

    def write_config(self, cfg: dict, name: str = "cfg.yaml") -> None:
        (self.wd / name).write_text(yaml.safe_dump(cfg, sort_keys=False))

    def env(self) -> dict:
        return {**os.environ, "PYTHONPATH": str(self.repo / "src"), "PYTHONUNBUFFERED": "1"}

    def cmd(self, *args: str, config: str = "cfg.yaml") -> list[str]:
        return [sys.executable, "-m", "snakemake", "-s", str(self.repo / "Snakefile"), "-d", str(self.wd),
                "--configfile", str(self.wd / config), "--cores", "2", *args]

    def smk(self, *args: str, config: str = "cfg.yaml", check: bool = True) -> str:
        out = subprocess.run(self.cmd(*args, config=config), capture_output=True, text=True, env=self.env())
        text = out.stdout + out.stderr
        if check and out.returncode != 0:
            raise AssertionError(f"snakemake failed:\n{text[-4000:]}")
        return text

    def planned(self, config: str = "cfg.yaml") -> dict[str, int]:
        text = self.smk("-n", config=config)
        return {} if "Nothing to be done" in text else job_counts(text)

    def edit(self, relpath: str, old: str, new: str) -> str:
        path = self.repo / relpath
        src = path.read_text()
        assert old in src, f"{old!r} not in {relpath}"
        path.write_text(src.replace(old, new, 1))
        return src

    def files(self) -> dict[str, dict]:
        root = self.wd / "res"
        return {str(p.relative_to(root)): load_cell(p)[1] for p in sorted(root.glob("**/*.npz"))}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    co = Checkout(tmp_path_factory.mktemp("incremental"))
    co.smk()
    assert co.planned() == {}
    return co


def _restore(co: Checkout, relpath: str, text: str) -> None:
    (co.repo / relpath).write_text(text)
    os.utime(co.repo / relpath)
    assert co.planned() == {}, "restoring the source did not restore the plan"


def test_comment_or_docstring_edits_anywhere_rerun_nothing(checkout):
    co = checkout
    saved = {}
    for path in sorted((co.repo / "src").rglob("*.py")) + sorted((co.repo / "workflow" / "scripts").glob("*.py")):
        rel = str(path.relative_to(co.repo))
        saved[rel] = path.read_text()
        text = saved[rel] + "\n# a comment appended by the test\n"
        text = re.sub(r'^"""', '"""Docstring reworded by the test. ', text, count=1, flags=re.M)
        path.write_text(text)
    try:
        assert co.planned() == {}
    finally:
        for rel, text in saved.items():
            (co.repo / rel).write_text(text)


def test_an_edited_plot_function_reruns_only_figure_jobs(checkout):
    co = checkout
    rel = "src/transferability/linear/plots.py"
    old = co.edit(rel, 'ax.set_ylabel(r"singular value of $W_1\\cdots W_{L-1}$")',
                  'ax.set_ylabel(r"singular value of the feature map $W_1\\cdots W_{L-1}$")')
    try:
        planned = co.planned()
        assert planned == {"linear_figures_tiny": 1, "linear_figures_all": 1, "all": 1}, planned
    finally:
        _restore(co, rel, old)
    rel = "src/transferability/relu/plots.py"
    old = co.edit(rel, 'axes[2].set_ylabel("centered kernel alignment")', 'axes[2].set_ylabel("CKA")')
    try:
        planned = co.planned()
        assert planned == {"relu_figures": 1, "all": 1}, planned
    finally:
        _restore(co, rel, old)


def test_a_numerics_edit_reruns_exactly_the_jobs_that_import_it(checkout):
    co = checkout
    rel = "src/transferability/linear/training.py"
    old = co.edit(rel, "class DivergenceError(RuntimeError):", "UNUSED_MARKER = 1\n\n\nclass DivergenceError(RuntimeError):")
    try:
        planned = co.planned()
        for kind in ("linear_pretrain", "linear_scratch", "linear_fine_tune_tiny", "linear_linear_transfer"):
            assert planned.get(kind), (kind, planned)  # linear transfer reruns because its pretraining input does
        for kind in ("linear_tasks", "linear_design") + tuple(k for k in PER_JOB_RULES if k.startswith("relu_")):
            assert kind not in planned, (kind, planned)
    finally:
        _restore(co, rel, old)


def _reversed(value):
    if isinstance(value, dict):
        return {k: _reversed(value[k]) for k in reversed(list(value))}
    return value


def test_reordered_config_keys_and_another_spelling_rerun_nothing(checkout):
    co = checkout
    cfg = _reversed(CFG)
    cfg["results"] = "./res/"
    cfg["relu"]["pretrain"]["lr"] = 1  # an integer where the schema says number: the same value
    co.write_config(cfg, "reordered.yaml")
    assert list(cfg["relu"]["pretrain"]) == ["max_steps", "tol", "lr_max", "lr"]
    assert co.planned(config="reordered.yaml") == {}


def test_a_new_ridge_value_starts_no_fine_tuning_job(checkout):
    co = checkout
    cfg = yaml.safe_load(yaml.safe_dump(CFG))
    cfg["experiments"]["tiny"]["ridge"] = [0.0, 0.1, 0.2]
    cfg["relu"]["ridge"] = [1.0e-3, 1.0e-2, 0.1]
    co.write_config(cfg, "ridge.yaml")
    planned = co.planned(config="ridge.yaml")
    # one linear-transfer job per (gamma, seed) and per (mu, seed) holds every ridge value: 2 x 1 each
    assert planned["linear_linear_transfer"] == 2 and planned["relu_linear_transfer"] == 2, planned
    assert not {"linear_fine_tune_tiny", "relu_fine_tune", "linear_pretrain", "relu_pretrain", "linear_scratch",
                "relu_scratch", "linear_theory"} & set(planned), planned


def test_deleted_files_are_rebuilt_by_the_plain_command_with_the_same_numbers(checkout):
    co = checkout
    before = co.files()
    gone = ["tiny/fine_tune/theta30_gamma0.5_seed0.npz", "tiny/scratch/gamma1.5_seed0.npz",
            "tiny/linear_transfer/gamma1.5_seed0.npz", "relu/fine_tune/mu0.5_n16_seed0.npz"]
    for rel in gone:
        (co.wd / "res" / rel).unlink()
    planned = co.planned()
    assert planned["linear_fine_tune_tiny"] == 1 and planned["linear_scratch"] == 1 and planned["relu_fine_tune"] == 1
    assert planned["linear_linear_transfer"] == 1
    co.smk()
    after = co.files()
    assert set(after) == set(before)
    for rel in gone:
        for key, arr in before[rel].items():
            np.testing.assert_array_equal(after[rel][key], arr)
    assert co.planned() == {}


def _summary_pending(text: str) -> set[str]:
    """Per-job files that ``snakemake --summary`` reports as not up to date."""
    pending = set()
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) >= 6 and cols[0].endswith(".npz") and cols[5].strip() != "no update":
            pending.add(cols[0])
    return pending


def test_dry_run_summary_and_plan_agree_on_what_is_left(checkout):
    from transferability import config as tcfg
    from transferability.plan import job_status, load_merged_config

    co = checkout
    pre = co.wd / "res/tiny/pretrain/seed0.npz"
    saved = pre.read_bytes()
    (co.wd / "res/relu/scratch/n8_seed0.npz").unlink()
    pre.write_bytes(saved[: len(saved) // 2])  # a corrupt pretraining file
    os.utime(pre, (time.time() - 3600, time.time() - 3600))  # older than its users: only its content is wrong
    try:
        cfg = load_merged_config(str(co.wd / "cfg.yaml"), str(co.wd))
        todo, files_todo = {}, 0
        for study in tcfg.studies(cfg).values():
            files = [j for j, status in job_status(study, str(co.wd)).items() if status != "done"]
            files_todo += len(files)
            # count jobs, as Snakemake does: a fine-tuning job makes every cell of its gamma row
            for job in {study.job_of(j) for j in files}:
                rule = study.rule_name(job.kind, job.wc)
                todo[rule] = todo.get(rule, 0) + 1
        # the corrupt file is not newer than its users, so Snakemake alone cannot see it: plan can
        assert todo["linear_pretrain"] == 1 and todo["linear_fine_tune_tiny"] == 2 and todo["relu_scratch"] == 1
        assert todo["linear_linear_transfer"] == 2  # one per gamma, each on the corrupt pretraining
        pre.unlink()  # what the error message says to do
        planned = {k: v for k, v in co.planned().items() if k in PER_JOB_RULES}
        assert planned == todo, (planned, todo)
        summary = _summary_pending(co.smk("--summary"))
        assert len(summary) == files_todo, (sorted(summary), todo)
        co.smk()
        assert co.planned() == {}
    finally:
        if not pre.exists():
            pre.write_bytes(saved)


def test_two_spellings_of_one_results_directory_are_refused_by_the_lock(checkout):
    co = checkout
    (co.wd / "res/tiny/pretrain/seed0.npz").unlink()  # pretraining and its 6 users: several seconds of work
    other = yaml.safe_load(yaml.safe_dump(CFG))
    other["results"] = str(co.wd / "res")  # absolute spelling of the same directory
    co.write_config(other, "absolute.yaml")
    first = subprocess.Popen(co.cmd(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=co.env(), text=True)
    try:
        deadline = time.time() + 60
        while not list((co.wd / ".snakemake" / "locks").glob("*")) and time.time() < deadline:
            time.sleep(0.1)
        second = co.smk(config="absolute.yaml", check=False)
        assert "LockException" in second or "cannot be locked" in second, second[-2000:]
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0, first.stdout.read()[-3000:]
    assert co.planned() == {}
