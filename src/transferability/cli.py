"""Command line: ``transferability theory`` (closed forms at a point) and ``transferability plan`` (work left)."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys

from .linear import theory

__all__ = ["main", "parse_angle", "theory_report"]


def parse_angle(text: str) -> float:
    """Angle in radians from ``30deg``, ``30°``, ``0.5rad``, ``pi/6``, ``0.25pi`` or a bare number (degrees)."""
    s = text.strip().lower().replace(" ", "")
    try:
        if s.endswith(("deg", "°")):
            return math.radians(float(s.rstrip("°").removesuffix("deg")))
        if s.endswith("rad"):
            return float(s.removesuffix("rad"))
        m = re.fullmatch(r"([0-9.]*)\*?pi(?:/([0-9.]+))?", s)
        if m:
            num = float(m.group(1)) if m.group(1) else 1.0
            return num * math.pi / (float(m.group(2)) if m.group(2) else 1.0)
        return math.radians(float(s))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"cannot read angle {text!r}: use e.g. 30deg, 0.52rad, pi/6 or 30 (degrees)"
        ) from None


def _num(x) -> float | None:
    """A finite float, or None (JSON null) where the closed form is undefined or infinite (a pole)."""
    x = float(x)
    return x if math.isfinite(x) else None


def theory_report(theta: float, gamma: float, sigma: float, d: int | None = None) -> dict:
    """Every closed form at one point (theta in radians), as a JSON-friendly dict."""
    s2 = sigma**2
    out = {
        "theta_rad": theta,
        "theta_deg": float(f"{math.degrees(theta):.12g}"),  # 30deg reads back as 30, not 29.999999999999996
        "gamma": gamma,
        "sigma": sigma,
        "asymptotic": {
            "R_scratch": _num(theory.scratch_risk(gamma, s2)),
            "R_linear_transfer": _num(theory.linear_transfer_risk(theta)),
            "T_linear_transfer": _num(theory.linear_transferability(theta, gamma, s2)),
            "T_fine_tune": _num(theory.fine_tune_transferability(theta, gamma)),
        },
    }
    lo, hi, lo2 = (float(v) for v in theory.negative_transfer_interval(theta, s2))
    out["negative_linear_transfer_gamma"] = {
        "below_1": None if math.isnan(lo) else [lo, hi],
        "above_1_from": _num(lo2),
    }
    if d is not None:
        n = int(round(gamma * d))
        out["exact"] = {
            "d": d,
            "n": n,
            "R_scratch": _num(theory.scratch_risk_exact(n, d, s2)),
            "R_linear_transfer": _num(theory.linear_transfer_risk_exact(theta, n, s2)),
            "R_fine_tune": _num(theory.fine_tune_risk_exact(theta, n, d, s2)),
            "T_linear_transfer": _num(theory.linear_transferability_exact(theta, n, d, s2)),
            "T_fine_tune": _num(theory.fine_tune_transferability_exact(theta, n, d)),
        }
    # the verdict follows the exact finite-size values when a dimension is given, else the asymptotic ones
    values = out.get("exact", out["asymptotic"])
    out["verdict_from"] = "exact" if d is not None else "asymptotic"
    out["verdict"] = {"linear_transfer": _verdict(values["T_linear_transfer"]),
                      "fine_tune": _verdict(values["T_fine_tune"])}
    return out


def _verdict(T: float | None) -> str:
    if T is None:
        return "undefined"
    if abs(T) < 1e-12:
        return "neutral (same risk as scratch)"
    return "helps (beats scratch)" if T > 0 else "hurts (worse than scratch)"


def _print_report(rep: dict) -> None:
    a, v = rep["asymptotic"], rep["verdict"]

    def f(x):
        return "undefined (pole)" if x is None else f"{x:.6g}"

    print(f"theta = {rep['theta_deg']:.6g} deg ({rep['theta_rad']:.4g} rad), gamma = n/d = {rep['gamma']:g}, "
          f"sigma = {rep['sigma']:g}")
    print("asymptotic (n, d -> infinity):")
    print(f"  scratch risk          R_sc = {f(a['R_scratch'])}   (eq. 8)")
    print(f"  linear-transfer risk  R_lt = {f(a['R_linear_transfer'])}   (eq. 10, n -> infinity)")
    print(f"  T_lt = {f(a['T_linear_transfer'])}   (eq. 11)")
    print(f"  T_ft = {f(a['T_fine_tune'])}   (eq. 15)")
    if "exact" in rep:
        e = rep["exact"]
        print(f"exact at d = {e['d']} (n = {e['n']}):")
        print(f"  R_sc = {f(e['R_scratch'])}, R_lt = {f(e['R_linear_transfer'])}, R_ft = {f(e['R_fine_tune'])}")
        print(f"  T_lt = {f(e['T_linear_transfer'])}, T_ft = {f(e['T_fine_tune'])}")
    print(f"verdict ({rep['verdict_from']} values): linear transfer {v['linear_transfer']}; "
          f"fine-tuning {v['fine_tune']}")
    neg = rep["negative_linear_transfer_gamma"]
    below = ("no gamma < 1" if neg["below_1"] is None
             else f"gamma in ({neg['below_1'][0]:.4g}, {neg['below_1'][1]:.4g})")
    above = "no gamma > 1" if neg["above_1_from"] is None else f"gamma > {neg['above_1_from']:.4g}"
    print(f"asymptotically, linear transfer is negative at this theta for {below}, and for {above}")


def theory_option_errors(args) -> list[str]:
    """Problems with ``theory``'s options, each naming its option (before anything is computed)."""
    from pathlib import Path

    errors = []
    if not (math.isfinite(args.theta) and 0.0 <= args.theta <= math.pi + 1e-12):
        errors.append(f"--theta must lie in [0, 180] degrees, got {math.degrees(args.theta):g} degrees")
    if not (math.isfinite(args.gamma) and args.gamma > 0):
        errors.append(f"--gamma must be a finite number > 0, got {args.gamma}")
    if not (math.isfinite(args.sigma) and args.sigma >= 0):
        errors.append(f"--sigma must be a finite number >= 0, got {args.sigma}")
    if args.d is not None and args.d < 3:
        errors.append(f"--d must be >= 3, got {args.d}")
    if not (math.isfinite(args.gamma_max) and args.gamma_max > 0):
        errors.append(f"--gamma-max must be a finite number > 0, got {args.gamma_max}")
    if args.plot:
        if not args.plot.endswith(".png"):
            errors.append(f"--plot must name a .png file, got {args.plot}")
        elif not Path(args.plot).resolve().parent.is_dir():
            errors.append(f"--plot: directory {Path(args.plot).parent} does not exist")
    return errors


def _theory_main(args) -> int:
    rep = theory_report(args.theta, args.gamma, args.sigma, args.d)
    if args.json:
        json.dump(rep, sys.stdout, indent=2, allow_nan=False)  # strict JSON: undefined values are null
        print()
    else:
        _print_report(rep)
    if args.plot:
        from .linear.plots import save, theory_phase_figure
        from .linear.theory_grid import theory_grid

        theta_deg = rep["theta_deg"]
        grid = theory_grid(args.d or 10**9, args.sigma, max(90.0, theta_deg), max(args.gamma_max, args.gamma))
        save(theory_phase_figure(grid, args.sigma, args.d, mark=(theta_deg, args.gamma)), args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def _plan_main(args) -> int:
    from .config import ConfigError
    from .plan import plan_report

    try:
        print(plan_report(args.configfile, args.directory))
    except (ConfigError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="transferability", description="Theory and planning for transfer learning runs.")
    sub = ap.add_subparsers(dest="command", required=True)
    th = sub.add_parser("theory", help="closed-form risks and transferabilities at one (theta, gamma, sigma)")
    th.add_argument("--theta", type=parse_angle, required=True, help="task angle: 30deg, 0.5rad, pi/6, or degrees")
    th.add_argument("--gamma", type=float, required=True, help="gamma = n/d (> 0)")
    th.add_argument("--sigma", type=float, default=0.0, help="label noise standard deviation (default 0)")
    th.add_argument("--d", type=int, default=None, help="input dimension for exact finite-size values")
    th.add_argument("--json", action="store_true", help="print JSON instead of text")
    th.add_argument("--plot", metavar="FILE.png", help="also draw the theoretical phase diagrams for this sigma (PNG)")
    th.add_argument("--gamma-max", type=float, default=2.0, help="gamma range of --plot (default 2)")
    pl = sub.add_parser("plan", help="cells in a config, how many are done, and the estimated time for the rest")
    pl.add_argument("--configfile", default="config.yaml", help="config file (merged over config.yaml like snakemake)")
    pl.add_argument("--directory", default=".", help="working directory of the workflow (default .)")
    args = ap.parse_args(argv)
    if args.command == "theory":
        for message in theory_option_errors(args):
            ap.error(message)
        return _theory_main(args)
    return _plan_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
