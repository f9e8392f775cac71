"""The PyTorch twins of benchmarks/torch_models.py are our models: every tensor of ours
copies into the twin, and with those weights both frameworks compute the same outputs in
eval mode, and in training mode (BatchNorm on batch statistics) the same outputs, running
statistics and first-layer gradients.

All in float64, where the two agree to ~1e-13 of the largest value, against 1e-4 or more
for a mismatch as small as ViT's GELU tanh approximation or LayerNorm eps 1e-5 for 1e-6.
float32 cannot separate those: BatchNorm over a batch of two differentiates through
nearly degenerate statistics, and its training-mode gradients differ by up to 1e-2 between
the frameworks from rounding alone."""

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.models import get_model

from tests.helpers import host

torch = pytest.importorskip("torch")

from benchmarks import torch_models  # noqa: E402  (it imports without torch; the checks do not)

# name, our get_model keyword arguments, input (C, H, W), the first layer's weight
CASES = [
    ("lenet5", {}, (1, 32, 32), "features.c1.weight"),
    # 64×64, not 32×32: at 1×1 maps in layer4 batch statistics over two values amplify rounding to ~1e-9
    ("resnet18", {}, (3, 64, 64), "conv1.weight"),
    ("resnet_cifar", {"depth": 20, "num_classes": 10}, (3, 32, 32), "conv1.weight"),
    ("mobilenet_v2", {}, (3, 112, 112), "features.0.0.weight"),
    ("vgg11_bn", {}, (3, 64, 64), "features.0.weight"),
    ("densenet121", {}, (3, 64, 64), "features.conv0.weight"),
    ("vit_tiny_cifar", {}, (3, 32, 32), "conv_proj.weight"),
]


def _move_constants(model, rng):
    """Our init leaves norm scales at 1 and shifts at 0, running statistics at 0 and 1, and
    ViT's class token and head at 0, under which a twin that dropped or mixed them up would
    still agree (a zero head even zeroes every gradient), so move all of them."""
    state = {}
    for key, value in model.state_dict().items():
        array = host(value)
        if array.dtype.kind != "f":
            continue
        if key.endswith("running_var"):
            state[key] = rng.uniform(0.5, 1.5, array.shape)
        elif np.all(array == array.flat[0]):
            state[key] = array + 0.1 * rng.standard_normal(array.shape)
    model.load_state_dict(state, strict=False)


def _close(actual, expected, what):
    # relative to the largest value, since single entries can cancel to near zero
    scale = max(float(np.abs(expected).max()), 1e-30)
    np.testing.assert_allclose(actual, expected, rtol=1e-8, atol=1e-10 * scale, err_msg=what)


def _dropout_off(model, dropout_type):
    """Training mode for BatchNorm, but no random masks, which the frameworks draw differently."""
    for module in model.modules():
        if isinstance(module, dropout_type):
            module.eval()


@pytest.mark.parametrize("name, kwargs, shape, first", CASES, ids=[case[0] for case in CASES])
def test_twin_computes_what_ours_does(name, kwargs, shape, first):
    rng = np.random.default_rng(0)
    mt.manual_seed(0)
    ours = get_model(name, **kwargs)
    _move_constants(ours, rng)
    ours = ours.double()
    theirs, source = torch_models.twin(name, **kwargs)
    theirs = theirs.double()
    copied, total = torch_models.copy_weights(ours, theirs)
    assert copied == total == len(ours.state_dict()), source
    device = next(iter(ours.parameters())).device

    images = rng.standard_normal((2,) + shape)
    ours.eval(), theirs.eval()
    with mt.no_grad():
        expected = host(ours(mt.tensor(images, device=device)))
    with torch.no_grad():
        actual = theirs(torch.from_numpy(images)).numpy()
    _close(actual, expected, f"{name}: eval outputs")

    ours.train(), theirs.train()
    _dropout_off(ours, mt.nn.Dropout)
    _dropout_off(theirs, torch.nn.Dropout)
    images = rng.standard_normal((2,) + shape)
    upstream = rng.standard_normal(expected.shape)  # a loss whose gradient is not all ones
    out = ours(mt.tensor(images, device=device))
    (out * mt.tensor(upstream, device=device)).sum().backward()
    their_out = theirs(torch.from_numpy(images))
    (their_out * torch.from_numpy(upstream)).sum().backward()
    _close(their_out.detach().numpy(), host(out), f"{name}: training-mode outputs")
    _close(theirs.get_parameter(first).grad.numpy(), host(dict(ours.named_parameters())[first].grad),
           f"{name}: gradient of {first}")
    their_buffers = dict(theirs.named_buffers())
    for key, buffer in ours.named_buffers():  # the running statistics after one update
        _close(their_buffers[key].numpy(), host(buffer), f"{name}: {key} after a training step")


def test_twin_names_the_model_it_has_no_twin_of():
    with pytest.raises(ValueError, match="alexnet"):
        torch_models.twin("alexnet")
