"""Table helpers shared by the studies: mean and standard error, where a curve crosses zero, run summaries."""

from __future__ import annotations

import numpy as np

__all__ = ["mean_se", "zero_between", "nearest", "convergence_summary", "html_table", "write_tables"]


def mean_se(x) -> tuple[float, float]:
    """Mean and standard error (``ddof = 1``) of a sample; the error is nan for a single value."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else np.nan


def zero_between(x0: float, x1: float, y0: float, y1: float, log: bool = False) -> float:
    """Where the straight line through ``(x0, y0)`` and ``(x1, y1)`` crosses ``y = 0`` (in ``log x`` if ``log``)."""
    f = y0 / (y0 - y1)
    if log:
        return float(np.exp(np.log(x0) + f * (np.log(x1) - np.log(x0))))
    return float(x0 + f * (x1 - x0))


def nearest(values, target: float) -> float:
    """The element of ``values`` closest to ``target``."""
    values = np.asarray(sorted(set(values)), dtype=float)
    return float(values[np.argmin(np.abs(values - target))])


def convergence_summary(name: str, means) -> str:
    """One line on a study's or experiment's runs from its cell-means table (columns ``method, count,
    unconverged, pretrain_unconverged, scratch_unconverged, flagged``): how many runs, how many did not converge
    (by method), and how many stand on an unconverged pretraining or paired scratch run."""
    own = means.groupby("method").unconverged.sum()
    parts = ", ".join(f"{m} {int(v):,}" for m, v in own.items() if v)
    return (f"{name}: {int(means['count'].sum()):,} runs; not converged: {int(own.sum()):,}"
            + (f" ({parts})" if parts else "")
            + f"; on an unconverged pretraining: {int(means.pretrain_unconverged.sum()):,}"
            + f", on an unconverged scratch run: {int(means.scratch_unconverged.sum()):,}")


def html_table(df, title: str) -> str:
    """A table as a standalone HTML page (numbers to 5 significant digits), for reading in the workflow report."""
    import html

    body = df.to_html(index=False, float_format=lambda x: f"{x:.5g}", na_rep="", border=0, classes="t")
    style = ("body{font-family:sans-serif;font-size:13px;margin:12px}"
             "table.t{border-collapse:collapse}table.t th,table.t td{padding:3px 8px;text-align:right;"
             "border-bottom:1px solid #ddd}table.t th{background:#f0f0f0;position:sticky;top:0}"
             "table.t tr:hover td{background:#f7f7ff}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body><h3>{html.escape(title)}</h3>"
            f"<p>{len(df):,} rows</p>{body}</body></html>\n")


def write_tables(tables: dict, outputs, title: str, float_formats: dict | None = None) -> None:
    """Write each table to ``outputs[name]`` (CSV) and, where ``outputs`` has ``html_<name>``, the report's HTML
    page of it, read back from the CSV (so the page shows exactly the file's numbers); ``title`` prefixes each
    page's title (``"<title>: <name>.csv"``). Done by the job that makes the tables: no process per page."""
    import pandas as pd

    for name, table in tables.items():
        fmt = (float_formats or {}).get(name)
        table.to_csv(outputs[name], index=False, float_format=fmt)
        page = f"html_{name}"
        if page in outputs.keys():
            with open(outputs[page], "w") as fh:
                fh.write(html_table(pd.read_csv(outputs[name]), f"{title}: {name}.csv"))
