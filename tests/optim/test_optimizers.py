"""Optimizers: trajectories over several steps against NumPy loops of the documented
PyTorch formulas (to 1e-6 and far below), resuming from a state_dict, weight decay versus
the L2 penalty, and bad input."""

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn, optim
from tests.helpers import host

GRADS = [np.random.default_rng(s).standard_normal((3, 4)) for s in range(7)]
W0 = np.random.default_rng(99).standard_normal((3, 4))


def _trajectory(make):
    p = nn.Parameter(mt.tensor(W0.copy()))
    opt = make([p])
    for g in GRADS:
        p.grad = mt.tensor(g)
        opt.step()
    return host(p)


def sgd_reference(lr, momentum, dampening, wd, nesterov):
    w, buf = W0.copy(), None
    for g in GRADS:
        g = g + wd * w
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
    return w


def adam_reference(lr, b1, b2, eps, wd, amsgrad, decoupled):
    w, m, v, vmax = W0.copy(), 0 * W0, 0 * W0, 0 * W0
    for t, g in enumerate(GRADS, start=1):
        if decoupled:
            w = w * (1 - lr * wd)
        else:
            g = g + wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        denom = np.sqrt(vmax if amsgrad else v) / np.sqrt(1 - b2 ** t) + eps
        w = w - lr / (1 - b1 ** t) * m / denom
    return w


def rmsprop_reference(lr, alpha, eps, wd, momentum, centered):
    w, s, a, b = W0.copy(), 0 * W0, 0 * W0, 0 * W0
    for g in GRADS:
        g = g + wd * w
        s = alpha * s + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g
        d = np.sqrt(s - a * a if centered else s) + eps
        if momentum:
            b = momentum * b + g / d
            w = w - lr * b
        else:
            w = w - lr * g / d
    return w


def adagrad_reference(lr, lr_decay, wd, initial, eps):
    w, s = W0.copy(), initial + 0 * W0
    for t, g in enumerate(GRADS, start=1):
        g = g + wd * w
        s = s + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
    return w


@pytest.mark.parametrize("momentum, dampening, wd, nesterov", [(0, 0, 0, False), (0.9, 0, 0.01, False),
                                                               (0.9, 0.3, 0, False), (0.8, 0, 0.1, True)])
def test_sgd(momentum, dampening, wd, nesterov):
    got = _trajectory(lambda p: optim.SGD(p, lr=0.1, momentum=momentum, dampening=dampening, weight_decay=wd,
                                          nesterov=nesterov))
    np.testing.assert_allclose(got, sgd_reference(0.1, momentum, dampening, wd, nesterov), rtol=0, atol=1e-12)


@pytest.mark.parametrize("cls, wd, amsgrad", [(optim.Adam, 0.0, False), (optim.Adam, 0.1, True),
                                              (optim.AdamW, 0.01, False), (optim.AdamW, 0.1, True)])
def test_adam_and_adamw(cls, wd, amsgrad):
    got = _trajectory(lambda p: cls(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=wd, amsgrad=amsgrad))
    expected = adam_reference(0.01, 0.8, 0.99, 1e-6, wd, amsgrad, cls is optim.AdamW)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("momentum, centered, wd", [(0, False, 0), (0.5, True, 0.1), (0.9, False, 0)])
def test_rmsprop(momentum, centered, wd):
    got = _trajectory(lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8, weight_decay=wd, momentum=momentum,
                                              centered=centered))
    np.testing.assert_allclose(got, rmsprop_reference(0.01, 0.9, 1e-8, wd, momentum, centered), rtol=0, atol=1e-12)


def test_adagrad():
    got = _trajectory(lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.1,
                                              initial_accumulator_value=0.2))
    np.testing.assert_allclose(got, adagrad_reference(0.1, 0.05, 0.1, 0.2, 1e-10), rtol=0, atol=1e-12)


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                                  lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
                                  lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
                                  lambda p: optim.Adagrad(p)])
def test_resume_from_state_dict_continues_exactly(make):
    straight = _trajectory(make)
    p = nn.Parameter(mt.tensor(W0.copy()))
    opt = make([p])
    for g in GRADS[:3]:
        p.grad = mt.tensor(g)
        opt.step()
    saved_weights, saved_state = host(p).copy(), opt.state_dict()
    q = nn.Parameter(mt.tensor(saved_weights))
    resumed = make([q])
    resumed.load_state_dict(saved_state)
    for g in GRADS[3:]:
        q.grad = mt.tensor(g)
        resumed.step()
    np.testing.assert_array_equal(host(q), straight)


def test_sgd_weight_decay_equals_adding_the_l2_penalty():
    data = mt.randn(8, 3, dtype="float64")
    models = [nn.Linear(3, 2).double() for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    decayed = optim.SGD(models[0].parameters(), lr=0.1, weight_decay=0.05)
    plain = optim.SGD(models[1].parameters(), lr=0.1)
    for _ in range(3):
        for model, opt, penalty in ((models[0], decayed, 0), (models[1], plain, 0.05)):
            opt.zero_grad()
            loss = model(data).pow(2).mean() + penalty * nn.l2_penalty(model)
            loss.backward()
            opt.step()
    np.testing.assert_allclose(host(models[0].weight), host(models[1].weight), rtol=1e-12)


def test_param_groups_have_their_own_hyper_parameters():
    a, b = nn.Parameter(mt.ones(2)), nn.Parameter(mt.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = mt.ones(2), mt.ones(2)
    opt.step()
    np.testing.assert_allclose(host(a), 0.9)
    np.testing.assert_allclose(host(b), 0.0)


def test_optimizer_errors():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors.*Linear"):
        optim.Adam([nn.Linear(2, 2)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([mt.ones(2, requires_grad=True) * 2], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD(nn.Linear(2, 2).parameters(), lr=-1)
    p = nn.Parameter(mt.ones(2))
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    opt = optim.Adam([p])
    with pytest.raises(ValueError, match="parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
