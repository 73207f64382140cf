"""The theory command prints the theory module's numbers; angle parsing; bad flags are rejected."""

import json
import math
import subprocess
import sys

import pytest

from transferability.linear import theory
from transferability.cli import main, parse_angle


@pytest.mark.parametrize("text,rad", [("30deg", math.pi / 6), ("30", math.pi / 6), ("pi/6", math.pi / 6),
                                      ("0.5rad", 0.5), ("0.25pi", math.pi / 4), ("45°", math.pi / 4)])
def test_parse_angle(text, rad):
    assert parse_angle(text) == pytest.approx(rad)


def test_json_matches_theory_module(capsys):
    assert main(["theory", "--theta", "40deg", "--gamma", "0.7", "--sigma", "0.3", "--d", "200", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    th, s2 = math.radians(40), 0.09
    a, e = rep["asymptotic"], rep["exact"]
    assert a["R_scratch"] == pytest.approx(float(theory.scratch_risk(0.7, s2)))
    assert a["T_linear_transfer"] == pytest.approx(float(theory.linear_transferability(th, 0.7, s2)))
    assert a["T_fine_tune"] == pytest.approx(float(theory.fine_tune_transferability(th, 0.7)))
    assert e["n"] == 140
    assert e["T_linear_transfer"] == pytest.approx(float(theory.linear_transferability_exact(th, 140, 200, s2)))
    assert e["R_fine_tune"] == pytest.approx(float(theory.fine_tune_risk_exact(th, 140, 200, s2)))
    lo, hi, lo2 = theory.negative_transfer_interval(th, s2)
    assert rep["negative_linear_transfer_gamma"]["above_1_from"] == pytest.approx(float(lo2))
    assert rep["verdict"]["fine_tune"].startswith("helps")


def test_text_output_and_plot(tmp_path):
    png = tmp_path / "phase.png"
    out = subprocess.run([sys.executable, "-m", "transferability.cli", "theory", "--theta", "pi/2", "--gamma",
                          "0.5", "--sigma", "0.2", "--plot", str(png)], capture_output=True, text=True, check=True)
    assert "T_lt = -0.46" in out.stdout and "hurts" in out.stdout
    assert png.read_bytes()[:4] == b"\x89PNG" and not (tmp_path / "phase.pdf").exists()  # PNG only, as asked


@pytest.mark.parametrize("args", [["--gamma", "-1"], ["--sigma", "-0.1"], ["--theta", "abc"], ["--d", "1"]])
def test_bad_flags_are_rejected(args, capsys):
    base = {"--theta": "30deg", "--gamma": "0.5"}
    argv = ["theory"]
    for k, v in base.items():
        if k not in args:
            argv += [k, v]
    with pytest.raises(SystemExit) as err:
        main(argv + args)
    assert err.value.code == 2
    assert args[0].lstrip("-") in capsys.readouterr().err
