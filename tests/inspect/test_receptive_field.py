"""The receptive field measured by backpropagation agrees with the closed form
1 + Σ (k_i - 1)·d_i·∏_{j<i} s_j, on stacks of convolutions and poolings the tests draw."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitorch_cnn import nn
from minitorch_cnn.inspect import measured_receptive_field, receptive_field


@pytest.mark.parametrize("layers, kernel", [(1, 3), (2, 3), (5, 3), (3, 5), (4, 1)])
def test_stride_one_stacks_grow_by_k_minus_1_per_layer(layers, kernel):
    """The lectures' 1 + L(K - 1): two 3x3 convolutions see 5x5, as one 5x5 does."""
    model = nn.Sequential(*(nn.Conv2d(2, 2, kernel, padding=kernel // 2) for _ in range(layers)))
    expected = 1 + layers * (kernel - 1)
    assert receptive_field(model) == (expected, expected)
    assert measured_receptive_field(model, (2, 4 * expected + 3, 4 * expected + 3)).size == (expected, expected)


layer = st.one_of(
    st.tuples(st.just("conv"), st.integers(1, 4), st.integers(1, 2), st.integers(1, 2)),
    st.tuples(st.just("maxpool"), st.integers(2, 3), st.integers(1, 2), st.just(1)),
    st.tuples(st.just("avgpool"), st.integers(2, 3), st.integers(1, 2), st.just(1)),
)


def _build(spec):
    modules = []
    for kind, kernel, stride, dilation in spec:
        if kind == "conv":
            modules += [nn.Conv2d(2, 2, kernel, stride=stride, dilation=dilation, padding=(kernel // 2) * dilation),
                        nn.ReLU()]
        elif kind == "maxpool":
            modules.append(nn.MaxPool2d(kernel, stride))
        else:
            modules.append(nn.AvgPool2d(kernel, stride))
    return nn.Sequential(*modules)


@given(spec=st.lists(layer, min_size=1, max_size=4))
def test_measured_by_gradients_equals_the_closed_form(spec):
    model = _build(spec)
    height, width = receptive_field(model)
    jump = 1
    for _, _, stride, _ in spec:
        jump *= stride
    side = 2 * max(height, width) + 4 * jump + 8  # the centre unit's field stays inside the image
    measured = measured_receptive_field(model, (2, side, side))
    assert measured.size == (height, width), spec


def test_a_field_that_reaches_the_border_is_refused_not_clipped():
    model = nn.Sequential(nn.Conv2d(1, 1, 5, padding=2), nn.Conv2d(1, 1, 5, padding=2))
    with pytest.raises(ValueError, match="reaches the border"):
        measured_receptive_field(model, (1, 9, 9))


def test_norms_and_activations_leave_the_field_as_it_is():
    block = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.Conv2d(4, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.Tanh())
    assert receptive_field(block) == (5, 5)
    assert measured_receptive_field(block, (3, 33, 33)).size == (5, 5)
