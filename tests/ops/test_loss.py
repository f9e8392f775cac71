"""Losses against per-sample NumPy computations written here (class weights, ignored
targets, label smoothing, spatial and probability targets), stability for large logits,
gradients, and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from tests.helpers import host, leaf


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def reference_cross_entropy(x, t, weight, ignore_index, reduction, smoothing):
    """Sample by sample: move classes last, then loop."""
    classes = x.shape[1]
    logp = np.moveaxis(_log_softmax(x, 1), 1, -1).reshape(-1, classes)
    t = t.reshape(-1)
    w = np.ones(classes) if weight is None else weight
    losses, denominators = [], []
    for row, target in zip(logp, t):
        if target == ignore_index:
            losses.append(0.0)
            denominators.append(0.0)
            continue
        nll = -w[target] * row[target]
        smooth = -(w * row).sum() / classes
        losses.append((1 - smoothing) * nll + smoothing * smooth)
        denominators.append(w[target])
    losses = np.array(losses)
    if reduction == "none":
        return losses.reshape((x.shape[0],) + x.shape[2:])
    return losses.sum() if reduction == "sum" else losses.sum() / np.sum(denominators)


@given(shape=st.sampled_from([(4, 3), (2, 5, 3), (2, 3, 2, 2)]), seed=st.integers(0, 2**31),
       weighted=st.booleans(), reduction=st.sampled_from(["mean", "sum", "none"]),
       smoothing=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_matches_per_sample_loop(shape, seed, weighted, reduction, smoothing):
    rng = np.random.default_rng(seed)
    x = leaf(seed, shape)
    target = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    target.reshape(-1)[0] = 7  # ignored (ignore_index=7)
    weight = rng.uniform(0.5, 2, shape[1]) if weighted else None
    loss = F.cross_entropy(x, mt.tensor(target), None if weight is None else mt.tensor(weight), ignore_index=7,
                           reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(host(loss), reference_cross_entropy(host(x), target, weight, 7, reduction, smoothing),
                               rtol=1e-10)
    fn = lambda t: F.cross_entropy(t, mt.tensor(target), None if weight is None else mt.tensor(weight),  # noqa: E731
                                   ignore_index=7, reduction=reduction, label_smoothing=smoothing)
    assert mt.gradcheck(fn, (x,))
    assert mt.gradgradcheck(fn, (x,))


@given(seed=st.integers(0, 2**31), smoothing=st.sampled_from([0.0, 0.1]))
def test_cross_entropy_with_probability_targets(seed, smoothing):
    rng = np.random.default_rng(seed)
    x, p = leaf(seed, (4, 5)), rng.dirichlet(np.ones(5), 4)
    q = p * (1 - smoothing) + smoothing / 5
    expected = -(q * _log_softmax(host(x), 1)).sum(1).mean()
    np.testing.assert_allclose(host(F.cross_entropy(x, mt.tensor(p), label_smoothing=smoothing)), expected, rtol=1e-10)
    assert mt.gradcheck(lambda t: F.cross_entropy(t, mt.tensor(p)), (x,))


def test_cross_entropy_is_stable_for_huge_logits_and_checks_targets():
    x = mt.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([1]))
    loss.backward()
    assert host(loss) == pytest.approx(2e4) and np.isfinite(host(x.grad)).all()
    with pytest.raises(IndexError, match="Target 3 is out of bounds"):
        F.cross_entropy(mt.randn(2, 3), mt.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"expected target of shape \[2\]"):
        F.cross_entropy(mt.randn(2, 3), mt.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.CrossEntropyLoss(reduction="avg")


def test_nll_loss_on_log_probabilities():
    x = leaf(0, (3, 4))
    logp = F.log_softmax(x, 1)
    target = mt.tensor([0, 3, 1])
    expected = -np.mean(host(logp)[np.arange(3), [0, 3, 1]])
    np.testing.assert_allclose(host(nn.NLLLoss()(logp, target)), expected, rtol=1e-12)


@given(seed=st.integers(0, 2**31), beta=st.sampled_from([0.0, 0.5, 1.0]))
def test_regression_losses(seed, beta):
    x, y = leaf(seed, (3, 4)), leaf(seed + 1, (3, 4))
    d = host(x) - host(y)
    np.testing.assert_allclose(host(F.mse_loss(x, y)), (d ** 2).mean(), rtol=1e-12)
    np.testing.assert_allclose(host(F.l1_loss(x, y, "sum")), np.abs(d).sum(), rtol=1e-12)
    ad = np.abs(d)
    smooth = ad if beta == 0 else np.where(ad < beta, 0.5 * d ** 2 / max(beta, 1e-300), ad - 0.5 * beta)
    np.testing.assert_allclose(host(F.smooth_l1_loss(x, y, beta=beta)), smooth.mean(), rtol=1e-12)
    for fn in (F.mse_loss, F.l1_loss, lambda a, b: F.smooth_l1_loss(a, b, beta=beta)):
        assert mt.gradcheck(fn, (x, y))


@given(seed=st.integers(0, 2**31))
def test_binary_losses(seed):
    rng = np.random.default_rng(seed)
    x, y = leaf(seed, (5, 2)), mt.tensor(rng.uniform(0, 1, (5, 2)))
    pos = mt.tensor(rng.uniform(0.5, 2, 2))
    s = 1 / (1 + np.exp(-host(x)))
    expected = -(host(pos) * host(y) * np.log(s) + (1 - host(y)) * np.log(1 - s)).mean()
    np.testing.assert_allclose(host(F.binary_cross_entropy_with_logits(x, y, pos_weight=pos)), expected, rtol=1e-10)
    probs = F.sigmoid(x)
    np.testing.assert_allclose(host(F.binary_cross_entropy(probs, y)),
                               -(host(y) * np.log(s) + (1 - host(y)) * np.log(1 - s)).mean(), rtol=1e-10)
    assert mt.gradcheck(lambda t: F.binary_cross_entropy_with_logits(t, y, pos_weight=pos), (x,))
    big = mt.tensor([[800.0, -800.0]])
    assert np.isfinite(host(F.binary_cross_entropy_with_logits(big, mt.tensor([[0.0, 1.0]]))))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(mt.tensor([1.5]), mt.tensor([1.0]))


def test_kl_div_reductions_and_zero_targets():
    logp = F.log_softmax(leaf(0, (4, 3)), 1)
    q = np.random.default_rng(0).dirichlet(np.ones(3), 4)
    q[0, 0] = 0.0
    pointwise = np.where(q > 0, q * (np.log(np.where(q > 0, q, 1)) - host(logp)), 0)
    np.testing.assert_allclose(host(F.kl_div(logp, mt.tensor(q), "batchmean")), pointwise.sum() / 4, rtol=1e-12)
    np.testing.assert_allclose(host(F.kl_div(logp, mt.tensor(np.log(q + 1e-300)), "sum", log_target=True)),
                               pointwise.sum(), rtol=1e-9)


def test_regularization_penalties():
    model = nn.Linear(3, 2).double()
    params = [host(p) for p in model.parameters()]
    assert host(nn.l1_penalty(model)) == pytest.approx(sum(np.abs(p).sum() for p in params))
    assert host(nn.l2_penalty(model)) == pytest.approx(0.5 * sum((p ** 2).sum() for p in params))
    penalty = nn.elastic_net_penalty(model, 0.3)
    penalty.backward()
    np.testing.assert_allclose(host(model.weight.grad), 0.3 * np.sign(params[0]) + 0.7 * params[0])
