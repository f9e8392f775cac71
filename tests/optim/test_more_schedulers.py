"""LambdaLR, MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts
(fractional epochs included), CyclicLR (its three modes, momentum and β₁ cycling) and
ChainedScheduler: rate sequences against their closed forms written out here and against
``torch.optim.lr_scheduler`` when installed; stacked schedules composing as PyTorch's do;
state dicts without functions in them; bad arguments."""

import math
import pickle
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn import nn, optim
from minitorch_cnn.optim import lr_scheduler as S


def _optimizer(lib=None, kind="SGD"):
    """Two groups (base rates 0.5 and 0.2), from ``lib`` (torch) or ours."""
    if lib is None:
        make, leaf = getattr(optim, kind), lambda: nn.Parameter(mt.zeros(1))
    else:
        make, leaf = getattr(lib.optim, kind), lambda: lib.nn.Parameter(lib.zeros(1))
    extra = {"momentum": 0.9} if kind == "SGD" else {}
    return make([{"params": [leaf()]}, {"params": [leaf()], "lr": 0.2}], lr=0.5, **extra)


def _rates(opt, scheduler, steps=30):
    """[(lr of group 0, lr of group 1, momentum or β₁ of group 0)] before each step."""
    rows = []
    for _ in range(steps):
        group = opt.param_groups[0]
        rows.append((group["lr"], opt.param_groups[1]["lr"], group["betas"][0] if "betas" in group
                     else group["momentum"]))
        opt.step()
        scheduler.step()
    return rows


def _cyclic(t, base, top, up, down, scale=lambda cycle, t: 1.0):
    """Smith's triangle, written from the paper: position in the cycle, up then down."""
    period = up + down
    cycle, offset = t // period + 1, t % period
    fraction = offset / up if offset <= up else 1 - (offset - up) / down
    return base + (top - base) * fraction * scale(cycle, t)


SCHEDULES = {
    "lambda": (lambda M, o: M.LambdaLR(o, lambda t: 0.9 ** t + 0.1),
               lambda base, t: base * (0.9 ** t + 0.1)),
    "multiplicative": (lambda M, o: M.MultiplicativeLR(o, lambda t: 0.95),
                       lambda base, t: base * 0.95 ** t),
    "constant": (lambda M, o: M.ConstantLR(o, 0.25, 4), lambda base, t: base * (0.25 if t < 4 else 1.0)),
    "polynomial": (lambda M, o: M.PolynomialLR(o, 10, 2.0), lambda base, t: base * (1 - min(t, 10) / 10) ** 2),
    "warm restarts": (lambda M, o: M.CosineAnnealingWarmRestarts(o, 3, 2, 0.01),
                      # periods 3, 6, 12, 24: t falls in the period starting at 3·(2ᵏ - 1)
                      lambda base, t: (lambda k: 0.01 + (base - 0.01) * (1 + math.cos(
                          math.pi * (t - 3 * (2 ** k - 1)) / (3 * 2 ** k))) / 2)(
                          max(k for k in range(6) if 3 * (2 ** k - 1) <= t))),
    "warm restarts T_mult 1": (lambda M, o: M.CosineAnnealingWarmRestarts(o, 4),
                               lambda base, t: base * (1 + math.cos(math.pi * (t % 4) / 4)) / 2),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_follow_their_closed_forms(name):
    make, formula = SCHEDULES[name]
    opt = _optimizer()
    rows = _rates(opt, make(S, opt))
    for t, (lr0, lr1, _) in enumerate(rows):
        assert lr0 == pytest.approx(formula(0.5, t), rel=1e-12, abs=1e-15)
        assert lr1 == pytest.approx(formula(0.2, t), rel=1e-12, abs=1e-15)


CYCLIC = [
    (dict(base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=3), lambda c, t: 1.0),
    (dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2"), lambda c, t: 0.5 ** (c - 1)),
    (dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9), lambda c, t: 0.9 ** t),
    (dict(base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations"),
     lambda c, t: 1 / (1 + t)),
]


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("kwargs, scale", CYCLIC)
def test_cyclic_lr_and_momentum_follow_the_triangle(kwargs, scale, kind):
    opt = _optimizer(kind=kind)
    rows = _rates(opt, S.CyclicLR(opt, base_momentum=0.8, max_momentum=0.9, **kwargs), steps=20)
    up = kwargs["step_size_up"]
    down = kwargs.get("step_size_down", up)
    for t, (lr0, lr1, momentum) in enumerate(rows):
        assert lr0 == pytest.approx(_cyclic(t, 0.01, 0.1, up, down, scale), rel=1e-12)
        assert lr1 == pytest.approx(lr0, rel=1e-12)  # base_lr overrides both groups' rates
        # the momentum moves from max to base as the rate moves from base to max
        rise = (lr0 - 0.01) / 0.09
        assert momentum == pytest.approx(0.9 - 0.1 * rise, rel=1e-12)


def test_cosine_warm_restarts_takes_fractional_epochs():
    opt = _optimizer()
    scheduler = S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.0)
    for epoch in (0.5, 2.25, 3.0, 4.5, 8.75, 20.0):
        scheduler.step(epoch)
        start, period = (0, 3) if epoch < 3 else (3, 6) if epoch < 9 else (9, 12)
        expected = 0.5 * (1 + math.cos(math.pi * (epoch - start) / period)) / 2
        assert opt.param_groups[0]["lr"] == pytest.approx(expected, rel=1e-12)
        assert scheduler.last_epoch == math.floor(epoch)
    scheduler.step()  # from 20 to 21, in the period 9..21: T_cur reaches 12, a restart
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5) and scheduler.T_i == 24
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        scheduler.step(-1)


@settings(max_examples=20, deadline=None)
@given(step_size=st.integers(1, 5), gamma1=st.floats(0.1, 0.99), gamma2=st.floats(0.5, 0.99),
       factor=st.floats(0.1, 1.0), total=st.integers(1, 6))
def test_chained_multiplicative_schedules_multiply(step_size, gamma1, gamma2, factor, total):
    opt = _optimizer()
    chained = S.ChainedScheduler([S.StepLR(opt, step_size, gamma1), S.ExponentialLR(opt, gamma2),
                                  S.ConstantLR(opt, factor, total)])
    for t, (lr0, _, _) in enumerate(_rates(opt, chained, steps=15)):
        expected = 0.5 * gamma1 ** (t // step_size) * gamma2 ** t * (factor if t < total else 1.0)
        assert lr0 == pytest.approx(expected, rel=1e-9)
    assert chained.get_last_lr() == [g["lr"] for g in opt.param_groups]


def test_two_schedulers_stepped_by_hand_compose_too():
    opt = _optimizer()
    first, second = S.StepLR(opt, 2, 0.5), S.MultiplicativeLR(opt, lambda t: 0.9)
    for t in range(8):
        assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * 0.5 ** (t // 2) * 0.9 ** t, rel=1e-12)
        first.step()
        second.step()


def test_one_scheduler_alone_keeps_the_exact_closed_form():
    opt = _optimizer()
    scheduler = S.CosineAnnealingLR(opt, 7, 0.01)
    for t in range(1, 30):
        scheduler.step()
        assert opt.param_groups[0]["lr"] == 0.01 + 0.49 * (1 + math.cos(math.pi * t / 7)) / 2


TORCH_CASES = {
    **{name: make for name, (make, _) in SCHEDULES.items()},
    "cyclic": lambda M, o: M.CyclicLR(o, 0.01, 0.1, 4, 3),
    "cyclic2": lambda M, o: M.CyclicLR(o, [0.01, 0.02], 0.1, 3, mode="triangular2"),
    "cyclic exp": lambda M, o: M.CyclicLR(o, 0.01, [0.1, 0.2], 3, mode="exp_range", gamma=0.9),
    "lambdas per group": lambda M, o: M.LambdaLR(o, [lambda t: 0.9 ** t, lambda t: 1 / (t + 1)]),
    "chain constant exp": lambda M, o: M.ChainedScheduler([M.ConstantLR(o, 0.1, 3), M.ExponentialLR(o, 0.9)]),
    "chain step cos linear": lambda M, o: M.ChainedScheduler(
        [M.StepLR(o, 3, 0.5), M.CosineAnnealingLR(o, 7, 0.01), M.LinearLR(o, 0.2, 1.0, 4)]),
    "chain multistep poly mult": lambda M, o: M.ChainedScheduler(
        [M.MultiStepLR(o, [2, 5, 5], 0.5), M.PolynomialLR(o, 8, 1.5), M.MultiplicativeLR(o, lambda t: 0.97)]),
    "chain restarts step": lambda M, o: M.ChainedScheduler([M.CosineAnnealingWarmRestarts(o, 3), M.StepLR(o, 2, 0.5)]),
}


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_against_torch(name, kind):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_opt = _optimizer(torch, kind)
        theirs = _rates(theirs_opt, TORCH_CASES[name](torch.optim.lr_scheduler, theirs_opt))
    ours_opt = _optimizer(kind=kind)
    ours = _rates(ours_opt, TORCH_CASES[name](S, ours_opt))
    for mine, reference in zip(ours, theirs):
        assert mine == pytest.approx(reference, rel=1e-12, abs=1e-15)


def test_cosine_warm_restarts_fractional_epochs_against_torch():
    torch = pytest.importorskip("torch")
    rows = []
    for lib, M in ((torch, torch.optim.lr_scheduler), (None, S)):
        opt = _optimizer(lib)
        scheduler = M.CosineAnnealingWarmRestarts(opt, 3, 2, 0.01)
        seen = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in range(8):
                for i in range(4):
                    scheduler.step(epoch + i / 4)
                    seen.append(opt.param_groups[0]["lr"])
            scheduler.step(26)
            scheduler.step()
        seen.append(opt.param_groups[0]["lr"])
        rows.append(seen)
    assert rows[1] == pytest.approx(rows[0], rel=1e-12)


class Halving:
    """A callable object: its __dict__ is what a state dict keeps."""

    def __init__(self):
        self.rate = 0.5

    def __call__(self, t):
        return self.rate ** t


@pytest.mark.parametrize("cls", [S.LambdaLR, S.MultiplicativeLR])
def test_state_dict_keeps_no_functions_only_callable_objects_state(cls):
    opt = _optimizer()
    halving = Halving()
    scheduler = cls(opt, [lambda t: 1.0, halving])
    for _ in range(3):
        scheduler.step()
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, {"rate": 0.5}]
    pickle.dumps(state)  # nothing unpicklable in it
    halving.rate = 0.25
    other_object = Halving()
    other = cls(_optimizer(), [lambda t: 1.0, other_object])
    other.load_state_dict(state)
    assert other.last_epoch == 3 and other_object.rate == 0.5 and state["lr_lambdas"] == [None, {"rate": 0.5}]


def test_cyclic_state_dict_round_trip_without_the_function():
    opt = _optimizer()
    scheduler = S.CyclicLR(opt, 0.01, 0.1, 3, scale_fn=lambda x: 1.0)
    for _ in range(5):
        scheduler.step()
    state = scheduler.state_dict()
    assert state["_scale_fn_custom"] is None
    pickle.dumps(state)
    other_opt = _optimizer()
    other = S.CyclicLR(other_opt, 0.01, 0.1, 3, scale_fn=lambda x: 1.0)
    other.load_state_dict(state)
    other_opt.load_state_dict(opt.state_dict())
    scheduler.step()
    other.step()
    assert other.get_last_lr() == scheduler.get_last_lr()


def test_chained_state_dict_resumes():
    def build(opt):
        return S.ChainedScheduler([S.StepLR(opt, 2, 0.5), S.ExponentialLR(opt, 0.9)])

    opt = _optimizer()
    straight = build(opt)
    rates = _rates(opt, straight, steps=8)
    opt2 = _optimizer()
    first = build(opt2)
    _rates(opt2, first, steps=3)
    saved_opt, saved_scheduler = opt2.state_dict(), first.state_dict()
    opt3 = _optimizer()
    resumed = build(opt3)
    opt3.load_state_dict(saved_opt)
    resumed.load_state_dict(saved_scheduler)
    assert [row[0] for row in _rates(opt3, resumed, steps=5)] == pytest.approx([row[0] for row in rates[3:]],
                                                                                rel=1e-12)
    pickle.dumps(opt3)  # the optimizer's link to its last scheduler is not pickled


def test_bad_arguments():
    opt = _optimizer()
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(opt, [lambda t: 1.0])
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got int"):
        S.MultiplicativeLR(opt, 3)
    with pytest.raises(ValueError, match="Constant multiplicative factor expected to be between 0 and 1."):
        S.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="total_iters must be a positive int, got 0"):
        S.PolynomialLR(opt, total_iters=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        S.CosineAnnealingWarmRestarts(opt, 0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 1.5"):
        S.CosineAnnealingWarmRestarts(opt, 2, T_mult=1.5)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        S.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        S.CyclicLR(opt, 0.01, [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S.CyclicLR(optim.Adagrad([nn.Parameter(mt.zeros(1))]), 0.01, 0.1)
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        S.ChainedScheduler([])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(_optimizer(), 2)])
    # a failed CyclicLR leaves the optimizer as it was
    before = [dict((k, v) for k, v in g.items() if k != "params") for g in _optimizer().param_groups]
    fresh = _optimizer()
    with pytest.raises(ValueError):
        S.CyclicLR(fresh, 0.01, [0.1, 0.2, 0.3])
    assert [dict((k, v) for k, v in g.items() if k != "params") for g in fresh.param_groups] == before


def test_a_rate_set_from_outside_is_followed_from_then_on():
    """PyTorch's recursive rule after the user sets the rate: StepLR(2, 0.5) halves the rate it
    finds, every second step, for good (the closed form would snap back to the old schedule)."""
    optimizer = optim.SGD([mt.nn.Parameter(mt.zeros(1))], lr=0.1)
    scheduler = optim.lr_scheduler.StepLR(optimizer, 2, 0.5)
    rates = []
    for t in range(8):
        if t == 3:
            optimizer.param_groups[0]["lr"] = 0.07
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    assert rates == pytest.approx([0.1, 0.05, 0.05, 0.035, 0.035, 0.0175, 0.0175, 0.00875])


def test_a_scheduler_written_the_pytorch_way_with_get_lr_only():
    class Halving(optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            return [base * 0.5 ** self.last_epoch for base in self.base_lrs]

    optimizer = optim.SGD([mt.nn.Parameter(mt.zeros(1))], lr=1.0)
    scheduler = Halving(optimizer)
    scheduler.step()
    scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 0.25 and scheduler.get_last_lr() == [0.25]
