"""``no_grad``, ``enable_grad`` and ``set_grad_enabled`` as context managers and decorators."""

import pytest

import minitorch_cnn as mt


def test_no_grad_context_records_nothing():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        y = x * 2
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad


def test_no_grad_as_decorator_restores_mode_after_exceptions():
    @mt.no_grad()
    def fails():
        assert not mt.is_grad_enabled()
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert mt.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        with mt.enable_grad():
            y = x * 2
    assert y.requires_grad


def test_set_grad_enabled_as_call_context_and_decorator():
    mt.set_grad_enabled(False)
    assert not mt.is_grad_enabled()
    mt.set_grad_enabled(True)
    with mt.set_grad_enabled(False):
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()

    @mt.set_grad_enabled(False)
    def inside():
        return mt.is_grad_enabled()

    assert mt.is_grad_enabled()  # decorating does not switch the mode
    assert inside() is False
    assert mt.is_grad_enabled()


def test_set_grad_enabled_needs_a_bool():
    with pytest.raises(TypeError, match="mode must be a bool"):
        mt.set_grad_enabled(1)
