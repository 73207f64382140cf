"""Job ``pretrain``: a deep linear network per instance trained on the source task (population or finite sample).

Writes the layers (``layer<l>``), their rank-one chain (``chain<l>``), the significant features
``features (B, d, k_max)`` with ``feature_rank (B,)``, convergence and Theorem 3.4 diagnostics.
"""

from __future__ import annotations

from .. import procedures
from ..models import pretrain_diagnostics, rank_one_chain
from ..readout import significant_features
from ..tasks import make_design
from ..training import GDSettings


def compute(spec: dict, inputs: dict, log) -> dict:
    beta_s = inputs["tasks"]["beta_s"]
    B, d = beta_s.shape
    settings = GDSettings(**spec["train"])
    if spec["source_n"] is None:
        layers, res = procedures.pretrain_population(
            beta_s, spec["width"], spec["depth"], spec["init_scale"], spec["seed"], settings,
            label="pretrain", progress=log,
        )
    else:
        # The source design has its own stream (role "source_design"), independent of every target design.
        src = make_design(spec["source_n"], d, B, spec["seed"], role="source_design")
        layers, res = procedures.pretrain_finite(
            beta_s, src, spec["source_sigma"], spec["width"], spec["depth"], spec["init_scale"], spec["seed"],
            settings, label=f"pretrain n_s={spec['source_n']}", progress=log,
        )
    feats, rank = significant_features(layers, spec["feature_rank_tol"])
    out = {f"layer{l}": W for l, W in enumerate(layers)}
    out.update({f"chain{l}": W for l, W in enumerate(rank_one_chain(layers))})
    out.update(features=feats, feature_rank=rank, steps=res.steps, converged=res.converged, loss=res.loss,
               stop_reason=res.stop_reason)
    out.update(pretrain_diagnostics(layers, beta_s))
    return out
