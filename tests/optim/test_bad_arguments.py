"""Bad arguments to the optimizers and schedules are refused when they are given (not at
the first step), with PyTorch's exception type and words plus the argument, the range
expected and the value given; and a state dict that fails to load leaves the optimizer or
scheduler exactly as it was (it still steps as if the load had never been tried)."""

import copy
import math

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn, optim
from minitorch_cnn.optim import lr_scheduler as S
from tests.helpers import host

NAN, INF = math.nan, math.inf


def _params():
    return [nn.Parameter(mt.ones(3)), nn.Parameter(mt.ones(2, 2))]


def _two_groups(momentum=0.9):
    a, b = _params()
    return optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.2}], lr=0.1, momentum=momentum)


def _groups(opt):
    """The hyper-parameters of every group (the parameters by identity)."""
    return [{k: (tuple(map(id, v)) if k == "params" else v) for k, v in g.items()} for g in opt.param_groups]


# ------------------------------------------------------------------ optimizers: construction
OPTIMIZER_CASES = [
    # PyTorch accepts these and fails later (or never); the message keeps PyTorch's words
    (lambda p: optim.Adam(p, betas=(0.9,)), ValueError, "Invalid betas: (0.9,) (betas must be a pair of floats "
                                                        "(beta1, beta2), each in [0, 1), got 1 value)"),
    (lambda p: optim.Adam(p, betas=0.9), TypeError, "Invalid betas: 0.9 (betas must be a pair"),
    (lambda p: optim.Adam(p, lr=NAN), ValueError, "Invalid learning rate: nan (lr must be a finite number >= 0)"),
    (lambda p: optim.SGD(p, lr=INF), ValueError, "Invalid learning rate: inf (lr must be a finite number >= 0)"),
    (lambda p: optim.SGD(p, lr="0.1"), TypeError, "Invalid learning rate: '0.1' (lr must be a finite number >= 0, "
                                                  "not str)"),
    (lambda p: optim.SGD(p, lr=True), TypeError, "Invalid learning rate: True (lr must be a finite number >= 0, "
                                                 "not bool)"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=NAN), ValueError, "Invalid momentum value: nan (momentum must be"),
    (lambda p: optim.SGD(p, lr=0.1, dampening=INF), ValueError, "Invalid dampening value: inf"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), ValueError, "Invalid weight_decay value: -1 (weight_decay "
                                                                  "must be a finite number >= 0)"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov="yes", momentum=0.9), TypeError, "nesterov must be a bool, got str"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires a momentum and zero "
                                                                "dampening (nesterov=True with momentum=0.0"),
    (lambda p: optim.Adam(p, eps=NAN), ValueError, "Invalid epsilon value: nan (eps must be a finite number >= 0)"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1: 1.0 (betas[1] must "
                                                            "be a finite number in [0, 1))"),
    (lambda p: optim.AdamW(p, betas=(NAN, 0.9)), ValueError, "Invalid beta parameter at index 0: nan"),
    (lambda p: optim.AdamW(p, betas=("0.9", 0.99)), TypeError, "Invalid beta parameter at index 0: '0.9'"),
    (lambda p: optim.Adam(p, amsgrad=1), TypeError, "amsgrad must be a bool, got int 1"),
    (lambda p: optim.RMSprop(p, alpha=NAN), ValueError, "Invalid alpha value: nan (alpha must be"),
    (lambda p: optim.RMSprop(p, centered=None), TypeError, "centered must be a bool, got NoneType"),
    (lambda p: optim.Adagrad(p, lr_decay=-0.5), ValueError, "Invalid lr_decay value: -0.5"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=INF), ValueError,
     "Invalid initial_accumulator_value value: inf"),
    (lambda p: optim.Adadelta(p, rho=NAN), ValueError, "Invalid rho value: nan (rho must be a finite number in "
                                                       "[0, 1])"),
    (lambda p: optim.Adamax(p, weight_decay=INF), ValueError, "Invalid weight_decay value: inf"),
    (lambda p: optim.NAdam(p, momentum_decay=NAN), ValueError, "Invalid momentum_decay value: nan"),
    (lambda p: optim.NAdam(p, decoupled_weight_decay="no"), TypeError, "decoupled_weight_decay must be a bool"),
    (lambda p: optim.RAdam(p, betas=[0.9, 0.999, 0.5]), ValueError, "got 3 values"),
    (lambda p: optim.Rprop(p, etas=(0.5, 1.0)), ValueError, "Invalid eta values: 0.5, 1.0 (etas must be (eta_minus, "
                                                            "eta_plus) with 0 < eta_minus < 1 < eta_plus; eta_plus=1.0 "
                                                            "is not > 1)"),
    (lambda p: optim.Rprop(p, etas=(NAN, 1.2)), ValueError, "Invalid eta values: nan (etas[0] must be a finite "
                                                            "number)"),
    (lambda p: optim.Rprop(p, step_sizes=(1.0, 0.1)), ValueError, "min_step=1.0 > max_step=0.1"),
    (lambda p: optim.Rprop(p, step_sizes=(-1e-6, 50)), ValueError, "Invalid step_sizes: -1e-06 (step_sizes[0] "
                                                                   "must be a number >= 0)"),
]


@pytest.mark.parametrize("make, error, message", OPTIMIZER_CASES)
def test_bad_hyper_parameters_are_refused_at_construction(make, error, message):
    with pytest.raises(error) as caught:
        make(_params())
    assert message in str(caught.value)
    assert type(caught.value) is error


def test_bool_and_numpy_bool_are_not_numbers_but_numpy_floats_are():
    with pytest.raises(TypeError, match="not bool"):
        optim.Adam(_params(), eps=np.bool_(True))
    opt = optim.Adam(_params(), lr=np.float32(0.5), betas=[0.8, 0.9])
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["betas"] == (0.8, 0.9)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad, optim.Adadelta,
                                 optim.Adamax, optim.NAdam, optim.RAdam, optim.Rprop])
def test_every_optimizer_refuses_a_nan_rate_in_a_group_override(cls):
    a, b = _params()
    with pytest.raises(ValueError, match=r"Invalid learning rate: nan \(lr of parameter group 1 must be a finite "
                                         r"number >= 0\)"):
        cls([{"params": [a]}, {"params": [b], "lr": NAN}], lr=0.1)
    with pytest.raises(ValueError, match=r"Invalid learning rate: nan \(lr must be"):
        cls([{"params": [a], "lr": 0.1}], lr=NAN)  # the defaults are checked even where a group overrides them


def test_add_param_group_checks_the_overrides_and_adds_nothing_on_failure():
    opt = _two_groups()
    before = _groups(opt)
    extra = nn.Parameter(mt.ones(4))
    with pytest.raises(ValueError, match=r"Invalid momentum value: -0.5 \(momentum of parameter group 2 must be a "
                                         r"finite number >= 0\)"):
        opt.add_param_group({"params": [extra], "momentum": -0.5})
    with pytest.raises(TypeError, match="maximize of parameter group 2 must be a bool, got str 'False'"):
        opt.add_param_group({"params": [extra], "maximize": "False"})
    assert _groups(opt) == before
    opt.add_param_group({"params": [extra], "lr": 0.3})  # the parameter was not taken by the failed calls
    assert len(opt.param_groups) == 3


# ------------------------------------------------------------------ schedules: construction
SCHEDULER_CASES = [
    (lambda o: S.MultiStepLR(o, milestones=["a"]), TypeError, "MultiStepLR: milestones[0] must be an int >= 0, got "
                                                              "str 'a'"),
    (lambda o: S.MultiStepLR(o, milestones="25"), TypeError, "MultiStepLR: milestones must be a list of ints"),
    (lambda o: S.MultiStepLR(o, [2, 4], gamma=NAN), ValueError, "MultiStepLR: gamma must be a finite number > 0, "
                                                                "got nan"),
    (lambda o: S.OneCycleLR(o, max_lr=[0.1], total_steps=10), ValueError, "OneCycleLR: expected 2 values for max_lr, "
                                                                          "got 1"),
    (lambda o: S.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=10), ValueError, "expected 2 values for max_lr, "
                                                                                    "got 3"),
    (lambda o: S.OneCycleLR(o, 0.1, epochs=-1, steps_per_epoch=-1), ValueError, "OneCycleLR: epochs must be a "
                                                                                "positive int, got -1"),
    (lambda o: S.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=2.5), TypeError, "OneCycleLR: steps_per_epoch must be "
                                                                               "a positive int, got float 2.5"),
    (lambda o: S.OneCycleLR(o, 0.1, total_steps=0), ValueError, "OneCycleLR: total_steps must be a positive int, got 0"),
    (lambda o: S.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5), ValueError, "OneCycleLR: pct_start must be a "
                                                                                "finite number in [0, 1], got 1.5"),
    (lambda o: S.OneCycleLR(o, 0.1, total_steps=10, div_factor=0), ValueError, "OneCycleLR: div_factor must be a "
                                                                               "finite number > 0, got 0"),
    (lambda o: S.OneCycleLR(o, [0.1, NAN], total_steps=10), ValueError, "OneCycleLR: max_lr[1] must be a finite "
                                                                        "number >= 0, got nan"),
    (lambda o: S.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"), ValueError,
     "OneCycleLR: anneal_strategy must be one of 'cos', 'linear', got 'exp'"),
    (lambda o: S.StepLR(o, step_size=True), TypeError, "StepLR: step_size must be a positive int, got bool True"),
    (lambda o: S.StepLR(o, 2, gamma=0), ValueError, "StepLR: gamma must be a finite number > 0, got 0"),
    (lambda o: S.StepLR(o, 2, last_epoch=-2), ValueError, "StepLR: last_epoch must be an int >= -1, got -2"),
    (lambda o: S.ExponentialLR(o, gamma=INF), ValueError, "ExponentialLR: gamma must be a finite number > 0, got inf"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "CosineAnnealingLR: T_max must be a finite number > 0, "
                                                            "got 0"),
    (lambda o: S.CosineAnnealingLR(o, 10, eta_min=NAN), ValueError, "CosineAnnealingLR: eta_min must be a finite "
                                                                    "number, got nan"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, 10, eta_min=INF), ValueError, "eta_min must be a finite number"),
    (lambda o: S.LinearLR(o, start_factor=0), ValueError, "LinearLR: start_factor must be a finite number in (0, 1], "
                                                          "got 0"),
    (lambda o: S.LinearLR(o, end_factor=NAN), ValueError, "LinearLR: end_factor must be a finite number in [0, 1]"),
    (lambda o: S.LinearLR(o, total_iters=2.5), TypeError, "LinearLR: total_iters must be an int >= 0, got float 2.5"),
    (lambda o: S.ConstantLR(o, factor=NAN), ValueError, "Constant multiplicative factor expected to be between 0 and "
                                                        "1. (ConstantLR: factor must be a finite number in [0, 1], "
                                                        "got nan)"),
    (lambda o: S.PolynomialLR(o, power=-1), ValueError, "PolynomialLR: power must be a finite number >= 0, got -1"),
    (lambda o: S.LambdaLR(o, [lambda t: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[2]), ValueError,
     "SequentialLR: expected 0 milestones for 1 schedulers, got 1"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[1.5]), TypeError,
     "SequentialLR: milestones[0] must be an int >= 0, got float 1.5"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3), S.StepLR(o, 4)], milestones=[5, 2]), ValueError,
     "SequentialLR: milestones must be in increasing order, got [5, 2]"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], milestones=[2]), TypeError,
     "SequentialLR: schedulers[1] must be an LRScheduler"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, gamma=NAN), ValueError, "CyclicLR: gamma must be a finite number > 0, got nan"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, scale_mode="epoch"), ValueError, "CyclicLR: scale_mode must be one of"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError, "CyclicLR: step_size_up must be a finite number "
                                                                     "> 0, got 0"),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.5), ValueError, "Factor should be < 1.0. (ReduceLROnPlateau: factor "
                                                               "must be a finite number in [0, 1), got 1.5)"),
    (lambda o: S.ReduceLROnPlateau(o, factor=NAN), ValueError, "Factor should be < 1.0."),
    (lambda o: S.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode avg is unknown!"),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold mode pct is unknown!"),
    (lambda o: S.ReduceLROnPlateau(o, patience=1.5), TypeError, "ReduceLROnPlateau: patience must be an int >= 0"),
    (lambda o: S.ReduceLROnPlateau(o, threshold=NAN), ValueError, "ReduceLROnPlateau: threshold must be a finite "
                                                                  "number >= 0, got nan"),
    (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.0]), ValueError, "expected 2 min_lrs, got 1"),
]


@pytest.mark.parametrize("make, error, message", SCHEDULER_CASES)
def test_bad_schedule_arguments_are_refused_and_change_nothing(make, error, message):
    opt = _two_groups()
    before = _groups(opt)
    with pytest.raises(error) as caught:
        make(opt)
    assert message in str(caught.value)
    if "SequentialLR" not in message:  # SequentialLR's own schedulers were built (and stepped) by the test
        assert _groups(opt) == before


def test_one_cycle_checks_adam_beta1_range():
    opt = optim.Adam(_params())
    with pytest.raises(ValueError, match=r"OneCycleLR: max_momentum must be a finite number in \[0, 1\), got 1.0"):
        S.OneCycleLR(opt, 0.1, total_steps=10, max_momentum=1.0)
    assert "max_lr" not in opt.param_groups[0] and "initial_lr" not in opt.param_groups[0]


# ------------------------------------------------------------------ all-or-nothing loads
def _snapshot(state_dict):
    """A state dict as plain values (tensors by dtype, shape and values), for exact comparison."""
    if isinstance(state_dict, dict):
        return {k: _snapshot(v) for k, v in state_dict.items()}
    if isinstance(state_dict, (list, tuple)):
        return type(state_dict)(_snapshot(v) for v in state_dict)
    if isinstance(state_dict, mt.Tensor):
        return ("tensor", str(state_dict.dtype), tuple(state_dict.shape), state_dict.tolist())
    return state_dict


W0 = [np.linspace(-1, 1, 3), np.linspace(0.5, 2, 4).reshape(2, 2)]
GRADS = [[np.array([0.3, -0.2, 0.1]), np.array([[0.5, -1.0], [0.25, 2.0]])],
         [np.array([-0.1, 0.4, 0.2]), np.array([[0.1, 0.2], [-0.3, 0.4]])]]


def _stepped(make):
    params = [nn.Parameter(mt.tensor(w.copy())) for w in W0]
    opt = make([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}])
    for p, g in zip(params, GRADS[0]):
        p.grad = mt.tensor(g)
    opt.step()
    for p, g in zip(params, GRADS[1]):
        p.grad = mt.tensor(g)
    return params, opt


OPTIMIZERS = [(lambda g: optim.SGD(g, lr=0.1, momentum=0.9), "momentum_buffer"),
              (lambda g: optim.Adam(g, lr=0.1, amsgrad=True), "exp_avg"),
              (lambda g: optim.RMSprop(g, lr=0.1, centered=True), "square_avg"),
              (lambda g: optim.Adadelta(g), "acc_delta"),
              (lambda g: optim.NAdam(g), "exp_avg_sq"),
              (lambda g: optim.Rprop(g), "step_size")]


def _bad_state_dicts(saved, buffer):
    """Each bad state dict also carries valid changes (group 0's rate, parameter 0's buffer)
    that a partial load would apply."""
    def edited(edit):
        state = copy.deepcopy(saved)
        state["param_groups"][0]["lr"] = 0.5
        state["state"][0][buffer] = state["state"][0][buffer] * 3 + 1
        edit(state)
        return state

    def wrong_shape_last(state):
        state["state"][1][buffer] = mt.zeros(4)

    def text_rate(state):
        state["param_groups"][1]["lr"] = "fast"

    def wrong_dtype_last(state):
        state["state"][1][buffer] = mt.zeros(2, 2, dtype=mt.int64)

    def unknown_entry(state):
        state["state"][1]["velocity"] = mt.zeros(2, 2)

    def negative_step(state):
        state["state"][1]["step"] = -1

    def nan_beta(state):
        state["param_groups"][1]["betas"] = (NAN, 0.9)

    cases = [({"state": saved["state"], "param_groups": saved["param_groups"][:1]}, ValueError,
              "loaded state dict has 1 parameter groups, the optimizer has 2"),
             (edited(wrong_shape_last), ValueError, f"optimizer state '{buffer}' of parameter 1 has shape [4]; the "
                                                    "parameter has [2, 2]"),
             (edited(text_rate), TypeError, "Invalid learning rate: 'fast' (lr of loaded parameter group 1 must be a "
                                            "finite number >= 0, not str)"),
             (edited(wrong_dtype_last), TypeError, f"optimizer state '{buffer}' of parameter 1 has dtype int64; "
                                                   "expected a floating point tensor"),
             (edited(unknown_entry), ValueError, "optimizer state 'velocity' of parameter 1: "),
             ({"state": saved["state"]}, ValueError, "optimizer state_dict must have 'state' and 'param_groups', got "
                                                     "['state']")]
    if "step" in saved["state"][1]:
        cases.append((edited(negative_step), ValueError, "optimizer state 'step' of parameter 1 must be an int >= 0, "
                                                         "got -1"))
    if "betas" in saved["param_groups"][1]:
        cases.append((edited(nan_beta), ValueError, "Invalid beta parameter at index 0: nan (betas[0] of loaded "
                                                    "parameter group 1 must be"))
    return cases


@pytest.mark.parametrize("make, buffer", OPTIMIZERS)
def test_a_failed_optimizer_load_changes_nothing(make, buffer):
    params, opt = _stepped(make)
    twin_params, twin = _stepped(make)
    saved = copy.deepcopy(opt.state_dict())
    before = _snapshot(opt.state_dict())
    for bad, error, message in _bad_state_dicts(saved, buffer):
        with pytest.raises(error) as caught:
            opt.load_state_dict(bad)
        assert message in str(caught.value)
        assert _snapshot(opt.state_dict()) == before, message
    opt.step()
    twin.step()
    for p, q in zip(params, twin_params):
        assert host(p).tolist() == host(q).tolist()  # bit for bit
    assert _snapshot(opt.state_dict()) == _snapshot(twin.state_dict())


def test_a_good_load_still_loads():
    params, opt = _stepped(OPTIMIZERS[1][0])
    other_params, other = _stepped(lambda g: optim.Adam(g, lr=0.3, amsgrad=True))
    other.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert _snapshot(other.state_dict()) == _snapshot(opt.state_dict())


def test_a_failed_sequential_load_leaves_every_inner_scheduler_as_it_was():
    opt = _two_groups()
    warm, cosine = S.LinearLR(opt, 0.5, total_iters=2), S.CosineAnnealingLR(opt, 10)
    scheduler = S.SequentialLR(opt, [warm, cosine], milestones=[2])
    for _ in range(3):
        opt.step()
        scheduler.step()
    saved = copy.deepcopy(scheduler.state_dict())
    before, warm_before = _snapshot(scheduler.state_dict()), _snapshot(warm.state_dict())
    bad = copy.deepcopy(saved)
    bad["_schedulers"][0]["last_epoch"] = 0          # valid, would be applied first
    bad["_schedulers"][1]["base_lrs"] = [0.1]        # the second inner state is wrong
    with pytest.raises(ValueError, match=r"CosineAnnealingLR.load_state_dict: base_lrs must have 2 values \(one "
                                         r"per parameter group\), got 1"):
        scheduler.load_state_dict(bad)
    wrong_kind = S.StepLR(_two_groups(), 2).state_dict()
    with pytest.raises(ValueError, match="not one this SequentialLR saves"):
        scheduler.load_state_dict(wrong_kind)
    with pytest.raises(TypeError, match="SequentialLR.load_state_dict: last_epoch must be an int >= -1, got str"):
        scheduler.load_state_dict(dict(saved, last_epoch="3"))
    assert _snapshot(scheduler.state_dict()) == before and _snapshot(warm.state_dict()) == warm_before
    scheduler.load_state_dict(saved)  # the good one loads


def test_a_failed_plateau_load_changes_nothing():
    opt = _two_groups()
    scheduler = S.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(1.0)
    scheduler.step(2.0)
    before = _snapshot(scheduler.state_dict())
    bad = dict(scheduler.state_dict(), num_bad_epochs=0, mode="avg")
    with pytest.raises(ValueError, match="ReduceLROnPlateau.load_state_dict: mode must be one of 'min', 'max', got "
                                         "'avg'"):
        scheduler.load_state_dict(bad)
    with pytest.raises(ValueError, match=r"min_lrs must have 2 values \(one per parameter group\), got 3"):
        scheduler.load_state_dict(dict(scheduler.state_dict(), min_lrs=[0, 0, 0]))
    assert _snapshot(scheduler.state_dict()) == before
