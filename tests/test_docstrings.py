"""Every public name of the API reference (mkdocs.yml's "API reference" pages) has a
docstring: a class or function added without one fails here, by name."""

import importlib
import inspect

import pytest

# the modules docs/api renders, each with its public names (__all__, else what dir shows)
MODULES = ["minitorch_cnn", "minitorch_cnn.nn", "minitorch_cnn.nn.functional", "minitorch_cnn.nn.init",
           "minitorch_cnn.optim", "minitorch_cnn.optim.lr_scheduler", "minitorch_cnn.data", "minitorch_cnn.models",
           "minitorch_cnn.inspect", "minitorch_cnn.experiments", "minitorch_cnn.kernels"]


def _public(module_name):
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name, None)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and (obj.__module__ or "").startswith("minitorch_cnn"):
            yield name, obj


def _own_docstring(obj):
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__  # a class's is not inherited
    return (doc or "").strip()


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_has_a_docstring(module_name):
    names = list(_public(module_name))
    assert names, f"{module_name} exports nothing this test sees"
    missing = sorted(f"{module_name}.{name}" for name, obj in names if not _own_docstring(obj))
    assert not missing, f"public names without a docstring: {', '.join(missing)}"


def test_the_layers_say_their_shapes():
    """PyTorch's layer docs give a "Shape:" section; ours do for the layers users look up first."""
    from minitorch_cnn import nn

    for layer in (nn.Conv2d, nn.Linear, nn.BatchNorm2d, nn.MaxPool2d, nn.CrossEntropyLoss, nn.ReLU):
        assert "Shape:" in _own_docstring(layer), layer.__name__


def _examples():
    """(name, object) of every public name whose docstring holds a ``>>>`` example."""
    seen = set()
    for module_name in MODULES:
        for name, obj in _public(module_name):
            if ">>>" in _own_docstring(obj) and obj not in seen:
                seen.add(obj)
                yield f"{module_name}.{name}", obj


@pytest.mark.cpu_only("the examples show CPU tensors")
@pytest.mark.parametrize("name, obj", list(_examples()), ids=lambda value: value if isinstance(value, str) else "")
def test_docstring_examples_print_what_they_show(name, obj):
    """The API reference's examples run (as doctests, with ``mt``, ``nn``, ``F`` and ``optim``
    imported) and print what they show."""
    import doctest

    import minitorch_cnn as mt
    from minitorch_cnn import nn, optim
    from minitorch_cnn.nn import functional as F

    test = doctest.DocTestParser().get_doctest(_own_docstring(obj), {"mt": mt, "nn": nn, "F": F, "optim": optim},
                                               name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    output = []
    runner.run(test, out=output.append)
    assert runner.failures == 0, "".join(output)
