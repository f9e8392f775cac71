"""Adadelta, Adamax, NAdam, RAdam and Rprop: trajectories over several steps against plain
NumPy loops of PyTorch's documented algorithms (written out here), with hypothesis-drawn
hyper-parameters and shapes; against ``torch.optim`` when it is installed; resuming from a
state_dict; on every device; and bad arguments refused with PyTorch's messages."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn import nn, optim
from tests.helpers import host, nonscalar_shapes, seeds

STEPS = 8


def _problem(seed, shape):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), [rng.standard_normal(shape) for _ in range(STEPS)]


def _run_ours(cls, kwargs, w0, grads, device=None):
    p = nn.Parameter(mt.tensor(w0.copy(), device=device))
    opt = cls([p], **kwargs)
    for g in grads:
        p.grad = mt.tensor(g, device=device)
        opt.step()
    return host(p)


# ---------------------------------------------------------------- the algorithms, as loops
def adadelta_reference(w, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v, u = np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        g = (-g if maximize else g) + weight_decay * w
        v = rho * v + (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        w = w - lr * delta
    return w


def adamax_reference(w, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    (b1, b2), m, u = betas, np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        g = (-g if maximize else g) + weight_decay * w
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        w = w - lr / (1 - b1 ** t) * m / u
    return w


def nadam_reference(w, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                    decoupled_weight_decay=False, maximize=False):
    (b1, b2), m, v = betas, np.zeros_like(w), np.zeros_like(w)
    mus = [b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)) for t in range(1, len(grads) + 2)]
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if decoupled_weight_decay:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        d = np.sqrt(v / (1 - b2 ** t)) + eps
        product, product_next = math.prod(mus[:t]), math.prod(mus[:t + 1])
        w = w - lr * (1 - mus[t - 1]) / (1 - product) * g / d - lr * mus[t] / (1 - product_next) * m / d
    return w


def radam_reference(w, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                    decoupled_weight_decay=False, maximize=False):
    (b1, b2), m, v = betas, np.zeros_like(w), np.zeros_like(w)
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if decoupled_weight_decay:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            w = w - lr * m_hat * r * math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
        else:
            w = w - lr * m_hat
    return w


def rprop_reference(w, grads, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    w, prev = w.copy(), np.zeros_like(w)
    size = np.full_like(w, lr)
    for g in grads:
        g = (-g if maximize else g).copy()
        for i in np.ndindex(w.shape):  # element by element, as the paper states it
            agreement = g[i] * prev[i]
            if agreement > 0:
                size[i] = min(size[i] * etas[1], step_sizes[1])
            elif agreement < 0:
                size[i] = max(size[i] * etas[0], step_sizes[0])
                g[i] = 0.0
            else:
                size[i] = min(max(size[i], step_sizes[0]), step_sizes[1])
            w[i] -= size[i] * np.sign(g[i])
            prev[i] = g[i]
    return w


# ---------------------------------------------------------------- drawn hyper-parameters
betas = st.tuples(st.floats(0.0, 0.95), st.floats(0.5, 0.999))
CASES = {
    "Adadelta": (optim.Adadelta, adadelta_reference, st.fixed_dictionaries(
        {"lr": st.floats(0.05, 2.0), "rho": st.floats(0.0, 1.0), "eps": st.floats(1e-8, 1e-2),
         "weight_decay": st.floats(0.0, 0.5), "maximize": st.booleans()})),
    "Adamax": (optim.Adamax, adamax_reference, st.fixed_dictionaries(
        {"lr": st.floats(1e-3, 0.1), "betas": betas, "eps": st.floats(1e-8, 1e-3),
         "weight_decay": st.floats(0.0, 0.5), "maximize": st.booleans()})),
    "NAdam": (optim.NAdam, nadam_reference, st.fixed_dictionaries(
        {"lr": st.floats(1e-3, 0.1), "betas": betas, "eps": st.floats(1e-8, 1e-3),
         "weight_decay": st.floats(0.0, 0.5), "momentum_decay": st.floats(0.0, 0.5),
         "decoupled_weight_decay": st.booleans(), "maximize": st.booleans()})),
    "RAdam": (optim.RAdam, radam_reference, st.fixed_dictionaries(
        {"lr": st.floats(1e-3, 0.1), "betas": st.tuples(st.floats(0.0, 0.95), st.floats(0.3, 0.999)),
         "eps": st.floats(1e-8, 1e-3), "weight_decay": st.floats(0.0, 0.5),
         "decoupled_weight_decay": st.booleans(), "maximize": st.booleans()})),
    "Rprop": (optim.Rprop, rprop_reference, st.fixed_dictionaries(
        {"lr": st.floats(1e-3, 0.1), "etas": st.tuples(st.floats(0.1, 0.9), st.floats(1.1, 2.0)),
         "step_sizes": st.tuples(st.floats(1e-6, 1e-3), st.floats(0.01, 1.0)), "maximize": st.booleans()})),
}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=15, deadline=None)
@given(data=st.data(), seed=seeds, shape=nonscalar_shapes)
def test_trajectory_matches_the_documented_algorithm(name, data, seed, shape):
    cls, reference, options = CASES[name]
    kwargs = data.draw(options)
    w0, grads = _problem(seed, shape)
    np.testing.assert_allclose(_run_ours(cls, kwargs, w0, grads), reference(w0, grads, **kwargs), rtol=1e-9,
                               atol=1e-12)


def test_radam_takes_both_branches_in_a_short_run():
    # ρ₁ = 1 always; with β₂ = 0.999, ρₜ passes 5 within these steps, so the run starts
    # with plain momentum and switches to the rectified update
    b2 = 0.999
    rho_inf = 2 / (1 - b2) - 1
    rhos = [rho_inf - 2 * t * b2 ** t / (1 - b2 ** t) for t in range(1, STEPS + 1)]
    assert rhos[0] == pytest.approx(1.0) and min(rhos) <= 5 < max(rhos)
    w0, grads = _problem(0, (3,))
    np.testing.assert_allclose(_run_ours(optim.RAdam, {"betas": (0.9, b2)}, w0, grads),
                               radam_reference(w0, grads, betas=(0.9, b2)), rtol=1e-10)


def test_rprop_skips_a_step_after_a_sign_change_and_clamps_the_step_size():
    p = nn.Parameter(mt.tensor([0.0, 0.0], dtype="float64"))
    opt = optim.Rprop([p], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.04, 0.3))
    moves = []
    for g in ([1.0, 1.0], [1.0, -1.0], [1.0, -1.0], [1.0, 1.0]):
        before = host(p).copy()
        p.grad = mt.tensor(g, dtype="float64")
        opt.step()
        moves.append(before - host(p))
    # element 0: 0.1, 0.2, 0.3 (clamped from 0.4), 0.3; element 1: 0.1, then a sign change
    # (size 0.05, no move), then -0.05 at that size, then another sign change (no move)
    np.testing.assert_allclose(moves, [[0.1, 0.1], [0.2, 0.0], [0.3, -0.05], [0.3, 0.0]], atol=1e-15)
    np.testing.assert_allclose(host(opt.state[p]["step_size"]), [0.3, 0.04])


TORCH_CASES = [
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.05}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.5), "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Rprop", {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True}),
]


@pytest.mark.parametrize("name, kwargs", TORCH_CASES)
def test_against_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    w0, grads = _problem(7, (3, 5))
    q = torch.nn.Parameter(torch.tensor(w0.copy()))
    theirs = getattr(torch.optim, name)([q], **kwargs)
    for g in grads:
        q.grad = torch.tensor(g)
        theirs.step()
    # PyTorch keeps NAdam's running product of μ in float32 (its scalar dtype); we keep a
    # float64 Python float, hence the looser tolerance
    np.testing.assert_allclose(_run_ours(getattr(optim, name), kwargs, w0, grads), q.detach().numpy(), rtol=1e-7,
                               atol=1e-9)


MAKERS = [lambda p: optim.Adadelta(p, lr=0.5, weight_decay=0.1),
          lambda p: optim.Adamax(p, lr=0.01),
          lambda p: optim.NAdam(p, lr=0.01, decoupled_weight_decay=True, weight_decay=0.1),
          lambda p: optim.RAdam(p, lr=0.01, betas=(0.9, 0.6)),
          lambda p: optim.Rprop(p, lr=0.01)]


@pytest.mark.parametrize("make", MAKERS)
def test_resume_from_state_dict_continues_exactly(make, tmp_path):
    w0, grads = _problem(3, (4, 3))
    p = nn.Parameter(mt.tensor(w0.copy()))
    straight = make([p])
    for g in grads:
        p.grad = mt.tensor(g)
        straight.step()
    q = nn.Parameter(mt.tensor(w0.copy()))
    first = make([q])
    for g in grads[:3]:
        q.grad = mt.tensor(g)
        first.step()
    mt.save({"weights": q.detach(), "optimizer": first.state_dict()}, tmp_path / "checkpoint.pt")
    saved = mt.load(tmp_path / "checkpoint.pt")
    r = nn.Parameter(saved["weights"].clone())
    resumed = make([r])
    resumed.load_state_dict(saved["optimizer"])
    for g in grads[3:]:
        r.grad = mt.tensor(g, device=r.device)
        resumed.step()
    np.testing.assert_array_equal(host(r), host(p))


@pytest.mark.parametrize("make", MAKERS)
def test_runs_on_the_device_as_on_the_reference(make, device):
    w0, grads = _problem(5, (2, 3))
    p = nn.Parameter(mt.tensor(w0.astype(np.float32), device=device))
    opt = make([p])
    for g in grads:
        p.grad = mt.tensor(g.astype(np.float32), device=device)
        opt.step()
    assert p.device == mt.tensor(0.0, device=device).device and p.dtype == np.float32
    assert all(state.device == p.device for entry in opt.state.values() for state in entry.values()
               if isinstance(state, mt.Tensor))
    expected = _run_ours(type(opt), {k: v for k, v in opt.defaults.items()}, w0, grads)
    np.testing.assert_allclose(host(p), expected, rtol=1e-4, atol=1e-5)


def test_the_gradient_is_not_changed_by_a_step():
    for make in MAKERS:
        p = nn.Parameter(mt.ones(3, dtype="float64"))
        p.grad = mt.tensor([1.0, -2.0, 3.0], dtype="float64")
        opt = make([p])
        opt.param_groups[0]["maximize"] = True
        opt.step()
        np.testing.assert_array_equal(host(p.grad), [1.0, -2.0, 3.0])


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.Adadelta(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Adadelta(p, eps=-1e-3), "Invalid epsilon value: -0.001"),
    (lambda p: optim.Adadelta(p, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (lambda p: optim.Adamax(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.Adamax(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.NAdam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda p: optim.RAdam(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: optim.RAdam(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.Rprop(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.Rprop(p, etas=(1.2, 0.5)), "Invalid eta values: 1.2, 0.5"),
])
def test_bad_arguments_get_pytorchs_messages(make, message):
    with pytest.raises(ValueError, match=message):
        make([nn.Parameter(mt.ones(2))])


@pytest.mark.parametrize("name, flag", [("Adadelta", "foreach"), ("Adamax", "differentiable"), ("NAdam", "capturable"),
                                        ("RAdam", "foreach"), ("Rprop", "capturable")])
def test_implementation_switches_are_accepted_off_and_refused_on(name, flag):
    cls = getattr(optim, name)
    cls([nn.Parameter(mt.ones(2))], **{flag: None if flag == "foreach" else False})
    with pytest.raises(NotImplementedError, match=f"{name}: {flag}=True is not supported"):
        cls([nn.Parameter(mt.ones(2))], **{flag: True})
