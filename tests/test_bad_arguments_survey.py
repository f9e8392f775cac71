"""The bad arguments a survey of the public API found answered by a raw NumPy or Python
message, or accepted with a wrong result: each is now refused where it is given (the
layer's or transform's constructor, the function's entry), with its exception type and a
message naming the argument. Three patterns were behind most of them, and each has a
test below: NaN, which passes every ``x < 0`` range test; floats that ``int()`` would
truncate; a number or a list of the wrong length reaching ``list()`` or unpacking."""

import math

import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
import minitorch_cnn.utils.data as ud
from minitorch_cnn import data as mdata
from minitorch_cnn import models as M
from minitorch_cnn import nn
from minitorch_cnn.data import transforms as DT
from minitorch_cnn.nn import init
from minitorch_cnn.vision import datasets as VD
from minitorch_cnn.vision import transforms as T

NAN = math.nan


def _tensor():
    return mt.randn(2, 3)


def _image():
    return mt.rand(3, 8, 8)


def _with_grad():
    p = nn.Parameter(mt.ones(3))
    p.grad = mt.full((3,), 2.0)
    return p


NAN_CASES = [
    (lambda: nn.utils.clip_grad_norm_([_with_grad()], NAN), ValueError, "max_norm must be a non-negative number"),
    (lambda: nn.utils.clip_grad_norm_([_with_grad()], 1.0, norm_type=NAN), ValueError, "norm_type"),
    (lambda: nn.utils.clip_grad_value_([_with_grad()], NAN), ValueError, "clip_value"),
    (lambda: init.uniform_(mt.zeros(3, 4), a=NAN), ValueError, "uniform_: a must be a finite number, got nan"),
    (lambda: init.normal_(mt.zeros(3, 4), std=NAN), ValueError, "normal_: std must be a finite number >= 0"),
    (lambda: init.trunc_normal_(mt.zeros(3, 4), std=-1.0), ValueError, "trunc_normal_: std"),
    (lambda: init.xavier_uniform_(mt.zeros(3, 4), gain=NAN), ValueError, "xavier_uniform_: gain"),
    (lambda: init.kaiming_normal_(mt.zeros(3, 4), a=NAN), ValueError, "kaiming_normal_: a"),
    (lambda: init.orthogonal_(mt.zeros(3, 4), gain=NAN), ValueError, "orthogonal_: gain"),
    (lambda: init.calculate_gain("leaky_relu", NAN), ValueError, "negative_slope nan"),
    (lambda: nn.HuberLoss(delta=NAN)(_tensor(), mt.zeros(2, 3)), ValueError, "huber_loss: delta must be a number > 0"),
    (lambda: F.smooth_l1_loss(_tensor(), mt.zeros(2, 3), beta=NAN), ValueError, "smooth_l1_loss: beta"),
    (lambda: nn.BatchNorm2d(3, eps=NAN), ValueError, "BatchNorm2d: eps must be a finite number >= 0, got nan"),
    (lambda: nn.BatchNorm2d(3, momentum=NAN), ValueError, "BatchNorm2d: momentum"),
    (lambda: nn.LayerNorm(3, eps=NAN), ValueError, "LayerNorm: eps"),
    (lambda: nn.GroupNorm(1, 3, eps=NAN), ValueError, "GroupNorm: eps"),
    (lambda: nn.Dropout(p=NAN), ValueError, "dropout probability has to be between 0 and 1, but got nan"),
    (lambda: T.ColorJitter(brightness=NAN), ValueError, "ColorJitter: brightness must be a non-negative finite"),
    (lambda: T.RandomRotation(NAN), ValueError, "RandomRotation: a single degrees value"),
    (lambda: M.mobilenet_v2(width_mult=NAN), ValueError, "MobileNetV2: width_mult must be a finite number > 0"),
    (lambda: mt.linspace(0, NAN, 3), ValueError, "linspace(): end must be a finite number"),
]

FLOAT_CASES = [
    (lambda: nn.AdaptiveAvgPool2d((2.5, 2.5))(mt.randn(2, 3, 5, 5)), TypeError, "output_size must be positive ints"),
    (lambda: nn.AdaptiveMaxPool2d((2.7, 3.2))(mt.randn(2, 3, 5, 5)), TypeError, "output_size must be positive ints"),
    (lambda: nn.AdaptiveAvgPool2d(2.5)(mt.randn(2, 3, 5, 5)), RuntimeError, "output_size must be an int or 2 ints"),
    (lambda: nn.PixelShuffle(2.0)(mt.randn(1, 4, 2, 2)), TypeError, "pixel_shuffle: upscale_factor must be a positive"),
    (lambda: nn.PixelUnshuffle(2.0)(mt.randn(1, 1, 4, 4)), TypeError, "pixel_unshuffle: downscale_factor"),
    (lambda: nn.ChannelShuffle(1.5)(mt.randn(1, 3, 2, 2)), TypeError, "channel_shuffle: groups must be a positive int"),
    (lambda: _tensor().split([1.0, 2.0], dim=1), TypeError, "split: split_size_or_sections must be an int or a list"),
    (lambda: _tensor().split([1.5, 1.5], dim=1), TypeError, "got [1.5, 1.5]"),
    (lambda: _tensor().split(1.0, dim=1), TypeError, "split_size_or_sections"),
    (lambda: mt.randint(0, 10.5, (3,)), TypeError, "randint(): high must be an int, got float 10.5"),
    (lambda: nn.GroupNorm(1.0, 3), TypeError, "GroupNorm: num_groups must be a positive int, got float 1.0"),
    (lambda: F.cross_entropy(_tensor(), mt.tensor([0, 1]), ignore_index=2.5), TypeError, "ignore_index must be an int"),
    (lambda: mdata.Shapes(count=2.5), TypeError, "Shapes: count must be an int, got float 2.5"),
    (lambda: T.Pad(2.5), ValueError, "pad: padding must be non-negative ints"),
    (lambda: T.RandomCrop(4, padding=1.5), ValueError, "pad: padding must be non-negative ints"),
]

SHAPE_AND_TYPE_CASES = [
    (lambda: nn.AdaptiveAvgPool2d((2,))(mt.randn(2, 3, 5, 5)), RuntimeError, "output_size must be an int or 2 ints"),
    (lambda: F.pad(mt.randn(1, 1, 3, 3), 2), TypeError, "pad: pad must be a tuple of ints"),
    (lambda: mt.clamp(_tensor(), min="a"), TypeError, "clamp: min must be a real number or None"),
    (lambda: nn.Hardtanh(1.0, 0.0), ValueError, "Hardtanh: max_val (0.0) must be greater than min_val (1.0)"),
    (lambda: nn.LeakyReLU(negative_slope="a"), TypeError, "LeakyReLU: negative_slope must be a finite number"),
    (lambda: F.leaky_relu(_tensor(), negative_slope="a"), TypeError, "leaky_relu: negative_slope"),
    (lambda: nn.ELU(alpha="a"), TypeError, "ELU: alpha"),
    (lambda: F.elu(_tensor(), alpha="a"), TypeError, "elu: alpha"),
    (lambda: nn.Linear("a", 3), TypeError, "Linear: in_features must be an int >= 0, got str 'a'"),
    (lambda: M.resnet18(num_classes="a"), TypeError, "Linear: out_features"),
    (lambda: nn.Dropout(p="a"), ValueError, "dropout probability"),
    (lambda: init.constant_(mt.zeros(2), "a"), TypeError, "constant_: val must be a real number, got str 'a'"),
    (lambda: init.uniform_([1.0, 2.0]), TypeError, "uniform_: tensor must be a Tensor, got list"),
    (lambda: nn.utils.clip_grad_norm_(5, 1.0), TypeError, "clip_grad_norm_: parameters must be a Tensor or"),
    (lambda: nn.utils.clip_grad_norm_([_with_grad()], 1.0, norm_type="bogus"), ValueError, "norm_type"),
    (lambda: nn.Linear(2, 3).load_state_dict([1, 2]), TypeError, "Expected state_dict to be dict-like, got list"),
    (lambda: nn.Linear(2, 3).load_state_dict({"weight": "abc", "bias": mt.zeros(3)}), RuntimeError,
     'While copying the parameter named "weight", expected a Tensor or an array'),
    (lambda: nn.Linear(2, 3).apply(5), TypeError, "apply: fn must be a function"),
    (lambda: mt.save(mt.zeros(2), 123), TypeError, "save: f must be a path"),
    (lambda: ud.default_collate([{"a": 1}, {"b": 2}]), ValueError, "dict samples must share their keys"),
    (lambda: ud.random_split(mdata.Shapes(count=4), 5), TypeError, "random_split: lengths must be a list"),
    (lambda: ud.SubsetRandomSampler(5), TypeError, "SubsetRandomSampler: indices must be a sequence"),
    (lambda: T.ColorJitter(saturation="a"), TypeError, "ColorJitter: saturation must be a number or a (min, max)"),
    (lambda: T.ColorJitter(brightness=(1, 2, 3)), TypeError, "ColorJitter: brightness"),
    (lambda: T.ColorJitter(brightness=[0.5]), TypeError, "ColorJitter: brightness"),
    (lambda: DT.RandomErasing(value="bogus"), ValueError, "RandomErasing: a string value must be 'random'"),
    (lambda: DT.RandomErasing(p=1.0, value=(1, 2))(_image()), ValueError, "value must have 1 or 3 entries"),
    (lambda: DT.RandomErasing(scale=(0.5,)), TypeError, "RandomErasing: scale must be a (min, max) pair"),
    (lambda: DT.RandomErasing(scale=(0.1, 0.2, 0.3)), TypeError, "RandomErasing: scale"),
    (lambda: T.RandomResizedCrop(4, scale=(0.5,)), TypeError, "RandomResizedCrop: scale must be a (min, max) pair"),
    (lambda: T.RandomResizedCrop(4, ratio=(0.5, 1.0, 2.0)), TypeError, "RandomResizedCrop: ratio"),
    (lambda: T.Compose(5), TypeError, "Compose: transforms must be a list"),
    (lambda: T.Compose([T.ToTensor(), 5]), TypeError, "Compose: transforms[1] must be callable"),
    (lambda: T.RandomRotation(10, center=(1,)), ValueError, "RandomRotation: center must be None or an (x, y) pair"),
    (lambda: T.RandomRotation(10, fill="a"), TypeError, "RandomRotation: fill must be a number or a sequence"),
    (lambda: T.Pad(1, fill="a"), TypeError, "Pad: fill must be a number"),
    (lambda: T.RandomCrop(4, fill="a"), TypeError, "RandomCrop: fill"),
    (lambda: T.ToPILImage(mode="bogus")(_image()), ValueError, "to_pil_image: unknown mode 'bogus'"),
    (lambda: VD.MNIST(123), TypeError, "MNIST: root must be a folder's path"),
    (lambda: M.efficientnet_b0(stochastic_depth_prob=2.0), ValueError, "EfficientNet: stochastic_depth_prob"),
    (lambda: M.densenet121(drop_rate=-1.0), ValueError, "DenseNet: drop_rate"),
    (lambda: M.unet(base_width=0), ValueError, "UNet: base_width must be a positive int, got 0"),
]


@pytest.mark.parametrize("call, error, message", NAN_CASES + FLOAT_CASES + SHAPE_AND_TYPE_CASES)
def test_refused_with_a_named_error(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert message in str(caught.value), str(caught.value)


def test_a_refused_clip_leaves_the_gradients_as_they_were():
    p = _with_grad()
    with pytest.raises(ValueError):
        nn.utils.clip_grad_norm_([p], NAN)
    assert p.grad.tolist() == [2.0, 2.0, 2.0]


def test_what_the_checks_still_accept():
    """The values next to the refused ones: the checks bound, they do not forbid."""
    p = _with_grad()
    assert nn.utils.clip_grad_norm_([p], math.inf).item() == pytest.approx(math.sqrt(12))
    assert nn.utils.clip_grad_norm_([p], 1.0, norm_type="inf").item() == pytest.approx(2.0)
    assert nn.BatchNorm2d(3, momentum=None).momentum is None
    assert nn.AdaptiveAvgPool2d((None, 2))(mt.randn(1, 3, 5, 5)).shape == (1, 3, 5, 2)
    assert [piece.shape[1] for piece in _tensor().split([1, 2], dim=1)] == [1, 2]
    assert DT.RandomErasing(p=1.0, value="random")(_image()).shape == (3, 8, 8)
    assert T.RandomRotation((-5, 5), center=(2, 3), fill=(0, 0, 0))(_image()).shape == (3, 8, 8)
    assert nn.Hardtanh(-math.inf, 0.0).max_val == 0.0
    assert ud.default_collate([{"a": 1}, {"a": 2}])["a"].tolist() == [1, 2]
