"""Agreement with PyTorch itself, where it is installed (it is not a dependency: CI skips
this file, and the other tests check every op against computations written here). Run
locally: pooling with ceil_mode/count_include_pad, interpolation, losses, batch norm,
attention, optimizer trajectories and schedules."""

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn, optim
from tests.helpers import host

torch = pytest.importorskip("torch")
TF = torch.nn.functional
T = torch.optim.lr_scheduler
S = optim.lr_scheduler


def _np(t):
    """A tensor of either library as a NumPy array (ours through ``host``: on device "cuda"
    under the stand-in ``.numpy()`` refuses, as PyTorch's does)."""
    return host(t) if isinstance(t, mt.Tensor) else t.detach().numpy()


def test_pooling_and_interpolation_agree():
    rng = np.random.default_rng(0)
    for _ in range(150):
        k = tuple(int(v) for v in rng.integers(1, 5, 2))
        s = tuple(int(v) for v in rng.integers(1, 4, 2))
        p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
        h, w = int(rng.integers(k[0], 10)), int(rng.integers(k[1], 10))
        ceil, include = bool(rng.integers(0, 2)), bool(rng.integers(0, 2))
        x = rng.standard_normal((2, 3, h, w))
        np.testing.assert_allclose(_np(F.avg_pool2d(mt.tensor(x), k, s, p, ceil, include)),
                                   _np(TF.avg_pool2d(torch.tensor(x), k, s, p, ceil, include)))
        ours = F.max_pool2d(mt.tensor(x), k, s, p, 1, ceil, True)
        theirs = TF.max_pool2d(torch.tensor(x), k, s, p, 1, ceil, True)
        np.testing.assert_array_equal(_np(ours[1]), _np(theirs[1]))
    for _ in range(60):
        x = rng.standard_normal((1, 2, int(rng.integers(1, 8)), int(rng.integers(1, 8))))
        size = tuple(int(v) for v in rng.integers(1, 12, 2))
        for mode, corners in (("nearest", None), ("bilinear", True), ("bilinear", False)):
            np.testing.assert_allclose(_np(F.interpolate(mt.tensor(x), size=size, mode=mode, align_corners=corners)),
                                       _np(TF.interpolate(torch.tensor(x), size=size, mode=mode,
                                                          align_corners=corners)), atol=1e-12)
        oh, ow = (int(v) for v in rng.integers(1, 6, 2))
        np.testing.assert_allclose(_np(F.adaptive_avg_pool2d(mt.tensor(x), (oh, ow))),
                                   _np(TF.adaptive_avg_pool2d(torch.tensor(x), (oh, ow))))


def test_losses_agree():
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((4, 5, 3)), rng.integers(0, 5, (4, 3))
    t[0, 0] = -100
    weight = rng.uniform(0.5, 2, 5)
    for w in (None, weight):
        for reduction in ("mean", "sum", "none"):
            for smoothing in (0.0, 0.1):
                ours = F.cross_entropy(mt.tensor(x), mt.tensor(t), None if w is None else mt.tensor(w),
                                       reduction=reduction, label_smoothing=smoothing)
                theirs = TF.cross_entropy(torch.tensor(x), torch.tensor(t), None if w is None else torch.tensor(w),
                                          reduction=reduction, label_smoothing=smoothing)
                np.testing.assert_allclose(_np(ours), _np(theirs))
    probs, logits = rng.dirichlet(np.ones(5), 4), rng.standard_normal((4, 5))
    np.testing.assert_allclose(_np(F.cross_entropy(mt.tensor(logits), mt.tensor(probs), mt.tensor(weight),
                                                   label_smoothing=0.2)),
                               _np(TF.cross_entropy(torch.tensor(logits), torch.tensor(probs), torch.tensor(weight),
                                                    label_smoothing=0.2)))
    big, y, pos = rng.standard_normal((6, 3)) * 30, rng.uniform(0, 1, (6, 3)), rng.uniform(0.5, 2, 3)
    np.testing.assert_allclose(_np(F.binary_cross_entropy_with_logits(mt.tensor(big), mt.tensor(y),
                                                                      pos_weight=mt.tensor(pos))),
                               _np(TF.binary_cross_entropy_with_logits(torch.tensor(big), torch.tensor(y),
                                                                       pos_weight=torch.tensor(pos))))
    np.testing.assert_allclose(_np(F.huber_loss(mt.tensor(big), mt.tensor(y * 40), delta=0.5)),
                               _np(TF.huber_loss(torch.tensor(big), torch.tensor(y * 40), delta=0.5)))


def test_batch_norm_and_attention_agree():
    rng = np.random.default_rng(2)
    for momentum in (0.1, None):
        ours, theirs = nn.BatchNorm2d(3, momentum=momentum).double(), torch.nn.BatchNorm2d(3, momentum=momentum).double()
        for _ in range(3):
            x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
            np.testing.assert_allclose(_np(ours(mt.tensor(x))), _np(theirs(torch.tensor(x))))
        np.testing.assert_allclose(_np(ours.running_var), _np(theirs.running_var))
    ours, theirs = nn.MultiheadAttention(8, 2).double(), torch.nn.MultiheadAttention(8, 2).double()
    theirs.load_state_dict({k: torch.tensor(_np(v)) for k, v in ours.state_dict().items()})
    q, k = rng.standard_normal((5, 3, 8)), rng.standard_normal((4, 3, 8))
    padding = np.zeros((3, 4), bool)
    padding[1, 2] = True
    a = ours(mt.tensor(q), mt.tensor(k), mt.tensor(k), key_padding_mask=mt.tensor(padding))
    b = theirs(torch.tensor(q), torch.tensor(k), torch.tensor(k), key_padding_mask=torch.tensor(padding))
    np.testing.assert_allclose(_np(a[0]), _np(b[0]))
    np.testing.assert_allclose(_np(a[1]), _np(b[1]))


@pytest.mark.parametrize("ours, theirs", [
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1, amsgrad=True),
     lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1, amsgrad=True)),
    (lambda p: optim.AdamW(p, lr=0.01), lambda p: torch.optim.AdamW(p, lr=0.01)),
    (lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
     lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True)),
    (lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01), lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01)),
])
def test_optimizer_trajectories_agree(ours, theirs):
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((3, 4))
    a, b = nn.Parameter(mt.tensor(w0.copy())), torch.nn.Parameter(torch.tensor(w0.copy()))
    opt_a, opt_b = ours([a]), theirs([b])
    for _ in range(8):
        g = rng.standard_normal((3, 4))
        a.grad, b.grad = mt.tensor(g), torch.tensor(g)
        opt_a.step()
        opt_b.step()
    np.testing.assert_allclose(_np(a), _np(b), rtol=0, atol=1e-12)


@pytest.mark.parametrize("ours, theirs", [
    (lambda o: S.MultiStepLR(o, [3, 10], 0.3), lambda o: T.MultiStepLR(o, [3, 10], 0.3)),
    (lambda o: S.CosineAnnealingLR(o, 10, 0.01), lambda o: T.CosineAnnealingLR(o, 10, 0.01)),
    (lambda o: S.OneCycleLR(o, 1.0, total_steps=31), lambda o: T.OneCycleLR(o, 1.0, total_steps=31)),
    (lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 5), S.ExponentialLR(o, 0.9)], [5]),
     lambda o: T.SequentialLR(o, [T.LinearLR(o, 0.1, 1.0, 5), T.ExponentialLR(o, 0.9)], [5])),
])
def test_schedules_agree(ours, theirs):
    a, b = nn.Parameter(mt.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt_a, opt_b = optim.SGD([a], lr=0.5, momentum=0.9), torch.optim.SGD([b], lr=0.5, momentum=0.9)
    sched_a, sched_b = ours(opt_a), theirs(opt_b)
    for _ in range(30):
        assert opt_a.param_groups[0]["lr"] == pytest.approx(opt_b.param_groups[0]["lr"], abs=1e-14)
        assert opt_a.param_groups[0]["momentum"] == pytest.approx(opt_b.param_groups[0]["momentum"], abs=1e-14)
        opt_b.step()
        sched_a.step()
        sched_b.step()


def _torchvision():
    """torchvision, where installed. Its C++ ops are not needed for the model definitions;
    a build whose extension does not match torch fails at import while registering them,
    so they are not registered (the same trick as tests/fixtures/make_torchvision_layouts.py)."""
    try:
        import torch.library
        register_fake = torch.library.register_fake
        torch.library.register_fake = lambda *args, **kwargs: (lambda fn: fn)
        try:
            import torchvision
        finally:
            torch.library.register_fake = register_fake
    except ImportError:
        pytest.skip("torchvision is not installed")
    return torchvision


@pytest.mark.parametrize("name, kwargs, size", [
    ("alexnet", {}, 96), ("vgg11_bn", {}, 64), ("googlenet", {"aux_logits": False, "init_weights": True}, 64),
    ("inception_v3", {"aux_logits": False, "init_weights": True}, 80), ("resnet18", {}, 64),
    ("resnext50_32x4d", {}, 64), ("densenet121", {}, 64), ("squeezenet1_0", {}, 96), ("squeezenet1_1", {}, 96),
    ("mobilenet_v2", {}, 64), ("mobilenet_v3_small", {}, 64), ("mobilenet_v3_large", {}, 64),
    ("shufflenet_v2_x0_5", {}, 64), ("efficientnet_b0", {}, 64), ("efficientnet_b5", {}, 64),
    ("vit_b_32", {"image_size": 64}, 64)])
def test_torchvision_models_give_the_same_outputs_with_the_same_weights(name, kwargs, size):
    from minitorch_cnn import models

    tv = getattr(_torchvision().models, name)(num_classes=10, **kwargs).eval()
    ours = models.get_model(name, num_classes=10, **{k: v for k, v in kwargs.items() if k != "init_weights"}).eval()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in tv.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = tv(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        np.testing.assert_allclose(ours(mt.tensor(x)).array, expected, rtol=1e-3, atol=1e-4)
