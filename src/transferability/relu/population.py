"""Exact population loss of the mean-field ReLU student against a teacher, its gradient (torch), and pretraining.

Student ``f(x) = (1/m) sum_i c_i relu(w_i . x)``, teacher ``g(x) = sum_j a_j relu(v_j . x)``, ``x ~ N(0, I_d)``.
With ``t`` the angle between two rows and ``G = W W^T``, the arc-cosine kernel is
``K = (|w_i| |w_j| sin t + G (pi - t)) / (2 pi)`` and its gradient in ``u`` is ``((pi - t) v + sin t |v| u/|u|) / (2 pi)``.
Both share the products ``(pi - t) @ (c W / m)`` and ``sin t @ (|w| c / m)``, so one evaluation costs two
``(m, m, d)`` matrix products and four elementwise passes over the ``(m, m)`` cosines (clamp, ``1 - cos^2``, sqrt,
arccos). Pretraining (mean-field GD on this loss) lives here too, so that only its job imports torch.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from . import model as R

__all__ = ["population_loss_and_grads", "population_objective", "pretrain_population"]


def _unit_rows(U: torch.Tensor, norms: torch.Tensor) -> torch.Tensor:
    """Rows of U divided by their norms (zero rows stay zero)."""
    return U * torch.where(norms > 0, 1.0 / norms, torch.zeros_like(norms))[:, None]


def _angle_terms(unit_u: torch.Tensor, unit_v: torch.Tensor, same: bool):
    """``pi - t (p, q)`` and ``sin t (p, q)`` between unit rows (zero rows: t = pi/2); four passes over (p, q)."""
    cos = (unit_u @ unit_v.T).clamp_(-1.0, 1.0)
    one = torch.ones((), dtype=cos.dtype)
    sin = torch.addcmul(one, cos, cos, value=-1.0).sqrt_()  # 1 - cos^2 >= 0 for |cos| <= 1
    rest = cos.neg_().arccos_()  # pi - arccos(cos) = arccos(-cos)
    if same:  # a row with itself: t = 0 exactly (rounding would leave t ~ sqrt(eps))
        rest.diagonal().fill_(math.pi)
        sin.diagonal().zero_()
    return rest, sin


def population_loss_and_grads(
    W: np.ndarray, c: np.ndarray, Wt: np.ndarray, a: np.ndarray, target_norm2: float, dtype=torch.float64
) -> tuple[float, np.ndarray, np.ndarray]:
    """Exact ``L = E (f - g)^2`` and its gradients, computed in ``dtype`` (returned as float64).

    Args:
        W ``(m, d)``, c ``(m,)``: the student; Wt ``(k, d)``, a ``(k,)``: the teacher; target_norm2 ``E g^2``.
    Returns:
        ``L``, ``dL/dc (m,)``, ``dL/dW (m, d)``.
    """
    excess, grad_c, grad_W = _excess_loss_and_grads(*(torch.as_tensor(x, dtype=dtype) for x in (W, c, Wt, a)))
    return excess + target_norm2, grad_c.double().numpy(), grad_W.double().numpy()


def _excess_loss_and_grads(W, c, Wt, a):
    """``L - E g^2`` (float) and the gradients (tensors): see ``population_loss_and_grads``."""
    m = W.shape[0]
    nw, nt = torch.linalg.vector_norm(W, dim=1), torch.linalg.vector_norm(Wt, dim=1)
    unit = _unit_rows(W, nw)
    rest, sin = _angle_terms(unit, unit, same=True)
    rest_t, sin_t = _angle_terms(unit, _unit_rows(Wt, nt), same=False)
    cm = c / m
    P, Pt = rest @ (cm[:, None] * W), rest_t @ (a[:, None] * Wt)  # (m, d)
    s, st = sin @ (nw * cm), sin_t @ (nt * a)  # (m,)
    two_pi = 2.0 * math.pi
    Kc = (nw * s + (W * P).sum(1)) / two_pi  # (K c / m)_i
    Kta = (nw * st + (W * Pt).sum(1)) / two_pi  # (K_t a)_i
    excess = float(c.double() @ (Kc.double() - 2.0 * Kta.double())) / m
    grad_c = 2.0 * (Kc - Kta) / m
    grad_W = (2.0 / (m * two_pi)) * c[:, None] * ((P - Pt) + (s - st)[:, None] * unit)
    return excess, grad_c, grad_W


def population_objective(Wt: np.ndarray, a: np.ndarray, target_norm2: float, dtype=torch.float64):
    """``evaluate((W, c)) -> (L, (m dL/dW, m dL/dc))`` on torch tensors of ``dtype`` (the mean-field step's gradients).

    ``L`` is float64: the part that depends on the student is summed in float64 from ``dtype`` terms and
    ``target_norm2 = E g^2`` added after, so float32 resolves loss changes far below ``E g^2`` (the small student
    early in training).
    """
    Wt_, a_ = torch.as_tensor(Wt, dtype=dtype), torch.as_tensor(a, dtype=dtype)

    def evaluate(params):
        W, c = params
        excess, grad_c, grad_W = _excess_loss_and_grads(W, c, Wt_, a_)
        m = W.shape[0]
        return excess + target_norm2, (m * grad_W, m * grad_c)

    return evaluate


def pretrain_population(
    W0: np.ndarray, c0: np.ndarray, Ws: np.ndarray, a_s: np.ndarray, lr: float, lr_max: float,
    max_steps: int, tol: float, progress=None, cap_until: float = 0.0, float32_while_capped: bool = True,
) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """Mean-field GD on the exact population loss against the source teacher ``(Ws, a_s)``.

    The step on every parameter is ``eta * m * gradient`` (mean-field scaling, so the dynamics do not depend
    on m), capped at ``lr_max`` until the loss is at most ``cap_until`` times the source variance ``Var g_s``;
    in float32 while capped if ``float32_while_capped`` (the cap's discretisation error is far above float32
    rounding). Stops when the loss is at most ``tol`` times ``Var g_s``.
    Returns ``W (m, d), c (m,), steps, converged, loss``.
    """
    norm2 = float(a_s @ R.relu_gram(Ws, Ws) @ a_s)
    var = R.function_variance(Ws, a_s)
    (W, c), steps, conv, loss = R.gd_float32_while_capped(
        lambda dtype: population_objective(Ws, a_s, norm2, getattr(torch, dtype)), (torch.as_tensor(W0),
        torch.as_tensor(c0)), lr, lr_max, max_steps, tol * var, cap_until * var, float32_while_capped, progress)
    return W.numpy(), c.numpy(), steps, conv, loss
