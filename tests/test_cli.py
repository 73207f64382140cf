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


@pytest.mark.parametrize("args", [["--gamma", "-1"], ["--sigma", "-0.1"], ["--theta", "abc"], ["--d", "1"],
                                  ["--theta", "400"], ["--theta", "-30"], ["--theta", "1e400"], ["--gamma", "inf"],
                                  ["--gamma", "nan"], ["--gamma-max", "-1"], ["--sigma", "inf"],
                                  ["--plot", "/no/such/dir/x.png"], ["--plot", "x.pdf"]])
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


def test_json_is_strict_and_angles_read_back_exactly(capsys):
    """A pole is null, never Infinity (which strict parsers reject); 30deg reads back as 30."""
    assert main(["theory", "--theta", "30deg", "--gamma", "1", "--sigma", "0.2", "--json"]) == 0
    text = capsys.readouterr().out
    rep = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert rep["theta_deg"] == 30.0 and rep["asymptotic"]["R_scratch"] is None
    assert rep["asymptotic"]["T_linear_transfer"] is None and rep["verdict"]["linear_transfer"] == "undefined"


def test_noiseless_scratch_has_no_pole_and_the_verdict_follows_the_exact_values(capsys):
    """At sigma = 0, gamma = 1 the scratch risk is 0 (the target is interpolated exactly), so linear transfer
    hurts, asymptotically and at d = 100; with --d the verdict is taken from the exact values."""
    assert main(["theory", "--theta", "30deg", "--gamma", "1", "--sigma", "0", "--d", "100", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["asymptotic"]["R_scratch"] == 0.0
    assert rep["asymptotic"]["T_linear_transfer"] == pytest.approx(-0.25)
    assert rep["verdict_from"] == "exact" and rep["verdict"]["linear_transfer"].startswith("hurts")
    assert rep["exact"]["T_linear_transfer"] == pytest.approx(-0.25 * 99 / 98)  # -sin^2 theta (1 + 1/(n-2)) at n=100
