"""The reference optimizer updates: PyTorch's formulas as array code (NumPy or CuPy), each
changing the parameter and its state arrays in place, one parameter at a time.

Each ``*_step`` takes the parameter's array, its gradient, its state arrays and plain
Python numbers; the optimizer classes (``minitorch_cnn.optim``) keep the state and the
step counts and call these through the registry. A state array a step does not use (the
momentum buffer without momentum) may be any array: it is not read or written.

The formulas (g is the gradient, negated under ``maximize``; λ the weight decay):

    SGD:      g ← g + λ·w;  b ← g (first step), else b ← μ·b + (1 - dampening)·g;
              g ← g + μ·b (Nesterov) or b;  w ← w - lr·g
    Adam:     g ← g + λ·w (or w ← w·(1 - lr·λ), AdamW's decoupled decay);
              m ← β₁·m + (1-β₁)·g;  v ← β₂·v + (1-β₂)·g²;  v̂ ← max(v̂, v) (AMSGrad) or v;
              w ← w - lr/(1-β₁ᵗ) · m / (√v̂/√(1-β₂ᵗ) + ε)
    RMSprop:  s ← α·s + (1-α)·g²;  centred: a ← α·a + (1-α)·g, d = √(s - a²) + ε, else
              d = √s + ε;  momentum μ: b ← μ·b + g/d, w ← w - lr·b;  else w ← w - lr·g/d
    Adagrad:  s ← s + g²;  w ← w - rate·g/(√s + ε)   (rate = lr / (1 + (t-1)·lr_decay))
"""

from __future__ import annotations

import math

from ...backend import xp_of


def _direction(param, grad, maximize, weight_decay):
    g = -grad if maximize else grad
    return g + weight_decay * param if weight_decay else g


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    """One SGD step; ``first``: the momentum buffer is set to the gradient, not decayed."""
    g = _direction(param, grad, maximize, weight_decay)
    if momentum:
        if first:
            momentum_buffer[...] = g
        else:
            momentum_buffer *= momentum
            momentum_buffer += (1 - dampening) * g
        g = g + momentum * momentum_buffer if nesterov else momentum_buffer
    param -= lr * g


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay,
              decoupled, amsgrad, maximize):
    """One Adam (``decoupled``: AdamW) step; ``step`` counts from 1."""
    if decoupled:
        g = -grad if maximize else grad
        if weight_decay:
            param *= 1 - lr * weight_decay
    else:
        g = _direction(param, grad, maximize, weight_decay)
    exp_avg *= beta1
    exp_avg += (1 - beta1) * g
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g
    second = exp_avg_sq
    if amsgrad:
        xp_of(param).maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    denom = xp_of(param).sqrt(second) / math.sqrt(1 - beta2 ** step) + eps
    param -= (lr / (1 - beta1 ** step)) * (exp_avg / denom)


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize):
    """One RMSprop step (``grad_avg`` is read only when ``centered``, ``momentum_buffer``
    only with a momentum)."""
    xp = xp_of(param)
    g = _direction(param, grad, maximize, weight_decay)
    square_avg *= alpha
    square_avg += (1 - alpha) * g * g
    if centered:
        grad_avg *= alpha
        grad_avg += (1 - alpha) * g
        denom = xp.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        denom = xp.sqrt(square_avg) + eps
    if momentum > 0:
        momentum_buffer *= momentum
        momentum_buffer += g / denom
        param -= lr * momentum_buffer
    else:
        param -= lr * (g / denom)


def adagrad_step(param, grad, total, rate, eps, weight_decay, maximize):
    """One Adagrad step at the decayed rate ``rate``; ``total`` is the running sum of g²."""
    g = _direction(param, grad, maximize, weight_decay)
    total += g * g
    param -= rate * (g / (xp_of(param).sqrt(total) + eps))
