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
    x = float(x)
    return None if math.isnan(x) else (x if math.isfinite(x) else (math.inf if x > 0 else -math.inf))


def theory_report(theta: float, gamma: float, sigma: float, d: int | None = None) -> dict:
    """Every closed form at one point (theta in radians), as a JSON-friendly dict."""
    s2 = sigma**2
    out = {
        "theta_rad": theta,
        "theta_deg": math.degrees(theta),
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
    t_lt, t_ft = out["asymptotic"]["T_linear_transfer"], out["asymptotic"]["T_fine_tune"]
    out["verdict"] = {"linear_transfer": _verdict(t_lt), "fine_tune": _verdict(t_ft)}
    return out


def _verdict(T: float | None) -> str:
    if T is None:
        return "undefined"
    if abs(T) < 1e-12:
        return "neutral (same risk as scratch)"
    return "helps (beats scratch)" if T > 0 else "hurts (worse than scratch)"


def _print_report(rep: dict) -> None:
    a = rep["asymptotic"]
    print(f"theta = {rep['theta_deg']:.4g} deg ({rep['theta_rad']:.4g} rad), gamma = n/d = {rep['gamma']:g}, "
          f"sigma = {rep['sigma']:g}")
    print("asymptotic (n, d -> infinity):")
    print(f"  scratch risk          R_sc = {a['R_scratch']:.6g}   (eq. 8)")
    print(f"  linear-transfer risk  R_lt = {a['R_linear_transfer']:.6g}   (eq. 10, n -> infinity)")
    print(f"  T_lt = {a['T_linear_transfer']:.6g}  -> linear transfer {rep['verdict']['linear_transfer']}   (eq. 11)")
    print(f"  T_ft = {a['T_fine_tune']:.6g}  -> fine-tuning {rep['verdict']['fine_tune']}   (eq. 15)")
    if "exact" in rep:
        e = rep["exact"]

        def f(v):
            return "undefined" if v is None else f"{v:.6g}"

        print(f"exact at d = {e['d']} (n = {e['n']}):")
        print(f"  R_sc = {f(e['R_scratch'])}, R_lt = {f(e['R_linear_transfer'])}, R_ft = {f(e['R_fine_tune'])}")
        print(f"  T_lt = {f(e['T_linear_transfer'])}, T_ft = {f(e['T_fine_tune'])}")
    neg = rep["negative_linear_transfer_gamma"]
    below = ("no gamma < 1" if neg["below_1"] is None
             else f"gamma in ({neg['below_1'][0]:.4g}, {neg['below_1'][1]:.4g})")
    print(f"linear transfer is negative at this theta for {below}, and for gamma > {neg['above_1_from']:.4g}")


def _theory_main(args) -> int:
    rep = theory_report(args.theta, args.gamma, args.sigma, args.d)
    if args.json:
        json.dump(rep, sys.stdout, indent=2)
        print()
    else:
        _print_report(rep)
    if args.plot:
        from .linear.plots import save, theory_phase_figure
        from .linear.theory_grid import theory_grid

        grid = theory_grid(args.d or 10**9, args.sigma, 90.0, args.gamma_max)
        save(theory_phase_figure(grid, args.sigma, args.d), args.plot)
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
        if not args.gamma > 0:
            ap.error(f"--gamma must be > 0, got {args.gamma}")
        if not args.sigma >= 0:
            ap.error(f"--sigma must be >= 0, got {args.sigma}")
        if args.d is not None and args.d < 3:
            ap.error(f"--d must be >= 3, got {args.d}")
        if args.plot and not args.plot.endswith(".png"):
            ap.error(f"--plot must name a .png file, got {args.plot}")
        return _theory_main(args)
    return _plan_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
