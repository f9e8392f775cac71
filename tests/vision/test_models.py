"""vision.models: torchvision's constructor names over the zoo; weights= a file loads it,
a weight name or pretrained=True is refused clearly."""

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import models as zoo
from minitorch_cnn.vision import models


def _count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", ["resnet18", "alexnet", "squeezenet1_1", "mobilenet_v2", "shufflenet_v2_x0_5"])
def test_same_models_as_the_registry(name):
    ours = getattr(models, name)(weights=None, num_classes=7)
    assert _count(ours) == _count(zoo.get_model(name, num_classes=7))
    assert type(ours) is type(zoo.get_model(name))
    assert _count(models.get_model(name, num_classes=7)) == _count(ours)


def test_every_name_is_in_the_registry():
    assert set(models.list_models()) <= set(zoo.list_models())
    assert {"resnet18", "vgg11", "alexnet", "mobilenet_v2", "densenet121"} <= set(models.list_models())
    with pytest.raises(ValueError, match="without a torchvision counterpart"):
        models.get_model("lenet5")


def test_weights_file_is_loaded(tmp_path):
    mt.manual_seed(0)
    source = models.squeezenet1_1(num_classes=3)
    path = str(tmp_path / "squeeze.npz")
    mt.save(source.state_dict(), path)
    mt.manual_seed(1)
    loaded = models.squeezenet1_1(weights=path, num_classes=3)
    for (key, a), (_, b) in zip(source.state_dict().items(), loaded.state_dict().items()):
        np.testing.assert_array_equal(a.cpu().numpy(), b.cpu().numpy(), err_msg=key)
    with pytest.raises(RuntimeError):  # the file's classifier has 3 outputs, not 5
        models.squeezenet1_1(weights=path, num_classes=5)


@pytest.mark.parametrize("request_", [dict(weights="IMAGENET1K_V1"), dict(weights="DEFAULT"), dict(pretrained=True)])
def test_named_weights_are_refused_with_a_way_out(request_):
    with pytest.raises(models.PretrainedWeightsUnavailable, match="not shipped.*path of a weights file"):
        models.resnet18(**request_)


def test_missing_weights_file():
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        models.resnet18(weights="nowhere.npz")
    assert _count(models.resnet18(pretrained=False)) == _count(zoo.resnet18())
