"""Top-k accuracy and the confusion matrix against direct loops; gradient clipping
against the norm computed by hand."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.train import confusion_matrix, topk_correct
from tests.helpers import host


@given(n=st.integers(1, 20), classes=st.integers(1, 8), seed=st.integers(0, 1000), soft=st.booleans())
def test_topk_correct_matches_a_loop(n, classes, seed, soft):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, classes))
    labels = rng.integers(0, classes, n)
    targets = np.eye(classes)[labels] * 0.9 + 0.1 / classes if soft else labels
    counts = topk_correct(logits, targets, ks=(1, 3, 5))
    for k in (1, 3, 5):
        expected = sum(labels[i] in sorted(range(classes), key=lambda c: -logits[i, c])[:k] for i in range(n))
        assert counts[k] == expected


def test_topk_breaks_ties_towards_the_lower_class_like_a_stable_sort():
    logits = np.zeros((6, 6))
    labels = np.arange(6)
    assert topk_correct(logits, labels, ks=(1, 3, 5)) == {1: 1, 3: 3, 5: 5}


def test_confusion_matrix_counts_pairs():
    predictions, truth = np.array([0, 2, 2, 1, 0]), np.array([0, 2, 1, 1, 2])
    matrix = confusion_matrix(predictions, truth, 3)
    expected = np.zeros((3, 3), int)
    for p, t in zip(predictions, truth):
        expected[t, p] += 1
    np.testing.assert_array_equal(matrix, expected)


@given(max_norm=st.floats(0.01, 10.0), norm_type=st.sampled_from([1.0, 2.0, 3.0, float("inf")]),
       seed=st.integers(0, 1000))
def test_clip_grad_norm_scales_all_gradients_together(max_norm, norm_type, seed):
    rng = np.random.default_rng(seed)
    params = [mt.tensor(rng.standard_normal(s), requires_grad=True) for s in ((3,), (2, 2))]
    grads = [rng.standard_normal(p.shape) for p in params]
    for p, g in zip(params, grads):
        p.grad = mt.tensor(g)
    flat = np.concatenate([g.ravel() for g in grads])
    total = np.abs(flat).max() if norm_type == float("inf") else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    returned = nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(returned.item(), total, rtol=1e-10)
    scale = min(1.0, max_norm / (total + 1e-6))
    for p, g in zip(params, grads):
        np.testing.assert_allclose(host(p.grad), g * scale, rtol=1e-10)


def test_clip_grad_value_and_errors():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    p.grad = mt.tensor([-3.0, 0.5])
    nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, 0.5]
    p.grad = mt.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="total norm"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm must be a non-negative number"):
        nn.utils.clip_grad_norm_(p, -1.0)
