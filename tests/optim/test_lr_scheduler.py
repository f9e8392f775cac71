"""Schedules against their closed forms written here, step by step; ReduceLROnPlateau's
patience and cooldown on a hand-worked metric sequence; OneCycleLR's shape."""

import math

import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn, optim
from minitorch_cnn.optim import lr_scheduler as S


def _optimizer(lr=0.5):
    return optim.SGD([nn.Parameter(mt.zeros(1))], lr=lr, momentum=0.9)


def _rates(scheduler, opt, steps=25):
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize("make, formula", [
    (lambda o: S.StepLR(o, 4, 0.5), lambda t: 0.5 * 0.5 ** (t // 4)),
    (lambda o: S.MultiStepLR(o, [3, 9], 0.1), lambda t: 0.5 * 0.1 ** ((t >= 3) + (t >= 9))),
    (lambda o: S.ExponentialLR(o, 0.9), lambda t: 0.5 * 0.9 ** t),
    (lambda o: S.CosineAnnealingLR(o, 10, 0.05), lambda t: 0.05 + 0.45 * (1 + math.cos(math.pi * t / 10)) / 2),
    (lambda o: S.LinearLR(o, 0.2, 1.0, 5), lambda t: 0.5 * (0.2 + 0.8 * min(t, 5) / 5)),
    (lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.2, 1.0, 5), S.ExponentialLR(o, 0.9)], [5]),
     lambda t: 0.5 * (0.2 + 0.8 * t / 5) if t < 5 else 0.5 * 0.9 ** (t - 5)),
])
def test_schedules_follow_their_formulas(make, formula):
    opt = _optimizer()
    rates = _rates(make(opt), opt)
    assert rates == pytest.approx([formula(t) for t in range(25)], abs=1e-15)


def test_one_cycle_rises_to_max_then_anneals_and_cycles_momentum():
    opt = _optimizer()
    scheduler = S.OneCycleLR(opt, max_lr=1.0, total_steps=20, pct_start=0.25)
    rates, momenta = [], []
    for _ in range(20):
        rates.append(opt.param_groups[0]["lr"])
        momenta.append(opt.param_groups[0]["momentum"])
        scheduler.step() if len(rates) < 20 else None
    peak = rates.index(max(rates))
    assert peak == 4 and rates[0] == pytest.approx(1.0 / 25) and rates[-1] == pytest.approx(1.0 / 25 / 1e4)
    assert momenta[0] == pytest.approx(0.95) and momenta[peak] == pytest.approx(0.85)
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        scheduler.step()
        scheduler.step()


def test_reduce_on_plateau_patience_and_cooldown():
    opt = _optimizer(1.0)
    scheduler = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
    rates = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 4, 4, 3]:
        scheduler.step(metric)
        rates.append(opt.param_groups[0]["lr"])
    # 3 bad epochs (> patience 2) halve it; cooldown 1 resets the count for one epoch
    assert rates == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_scheduler_state_dict_round_trip():
    opt = _optimizer()
    scheduler = S.StepLR(opt, 3)
    for _ in range(4):
        scheduler.step()
    state = scheduler.state_dict()
    other = S.StepLR(_optimizer(), 3)
    other.load_state_dict(state)
    assert other.last_epoch == 4 and other.get_last_lr() == scheduler.get_last_lr()
    with pytest.raises(TypeError, match="not an Optimizer"):
        S.StepLR(object(), 3)
