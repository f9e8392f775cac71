"""``detect_anomaly``: the first backward that produces NaN/Inf is named, with where its
op was created."""

import pytest

import minitorch_cnn as mt


def test_anomaly_names_the_op_and_where_it_was_created():
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with mt.autograd.detect_anomaly():
        y = x.sqrt()  # d sqrt/dx at 0 is inf
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward' returned inf values") as info:
            y.sum().backward()
    assert "test_anomaly.py" in str(info.value)  # the creation stack points at this file


def test_nan_is_reported_as_nan():
    x = mt.tensor([-1.0], requires_grad=True)
    with mt.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward' returned nan values"):
            x.sqrt().sum().backward()  # sqrt(-1) is nan, and so is 1 / (2 nan)


def test_without_anomaly_mode_nan_passes_silently():
    x = mt.tensor([0.0], requires_grad=True)
    x.sqrt().sum().backward()
    assert x.grad.tolist() == [float("inf")]


def test_set_detect_anomaly_switches_on_and_off():
    mt.autograd.set_detect_anomaly(True)
    try:
        assert mt.autograd.is_anomaly_enabled()
    finally:
        mt.autograd.set_detect_anomaly(False)
    assert not mt.autograd.is_anomaly_enabled()
