"""A training run from a plain description (a JSON-able dict), as ``minitorch-cnn train``
gives it: the datasets with their transforms, the model, the optimizer and schedule, and
the ``Trainer`` that ties them together. The same description, stored in each
checkpoint, rebuilds the run for ``--resume`` and the model for ``minitorch-cnn eval``.
"""

from __future__ import annotations

import inspect

from .. import backend, models
from ..data import DataLoader, load_dataset
from ..data import transforms as T
from .factory import make_optimizer, make_scheduler
from .trainer import Trainer

DEFAULTS = {
    "model": "lenet5", "model_options": {}, "data": "digits", "data_dir": None, "image_size": None,
    "epochs": 30, "batch_size": 32, "lr": 0.05, "optimizer": "sgd", "momentum": 0.9, "weight_decay": 5e-4,
    "scheduler": "cosine", "augment": False, "mixup": 0.0, "cutmix": 0.0, "label_smoothing": 0.0,
    "clip_grad": None, "seed": 0, "device": "cpu",
}

# per dataset: padding of the random crop, and whether a mirror image is still the same class
AUGMENTATION = {"digits": (2, False), "mnist": (2, False), "fashion-mnist": (2, True), "cifar10": (4, True),
                "cifar100": (4, True)}

SMALL_INPUT = 64  # models built for inputs this small get their native size; bigger ones take the data's


def resolve_device(name: str) -> str:
    """"auto" is the GPU when CuPy sees one, else the CPU."""
    if name == "auto":
        return "cuda" if backend.cuda_available() else "cpu"
    # no CuPy, no driver or no GPU: a CudaUnavailableError saying which (the CLI prints it
    # on one line and exits 2)
    return str(backend.as_device(name, "--device"))


def check_model_options(name: str, options: dict, constructor) -> None:
    """Each option a keyword the model's constructor takes, with a value of its default's
    type (a bool for a bool, an int for an int, a number for a float): a ValueError naming
    the option and what it allows, before the model is built."""
    accepts = inspect.signature(constructor).parameters
    named = [p for p in accepts.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key, value in options.items():
        parameter = accepts.get(key)
        if parameter is None or parameter not in named:
            allowed = ", ".join(p.name for p in named if p.name != "num_classes") or "none"
            raise ValueError(f"--model-option {key}: {name} has no option {key!r} (its options: {allowed})")
        default = parameter.default
        if default is parameter.empty or default is None:
            continue
        if isinstance(default, bool):
            fits = isinstance(value, bool)
        elif isinstance(default, int):
            fits = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            fits = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            fits = isinstance(value, type(default))
        if not fits:
            kind = ("true or false" if isinstance(default, bool) else
                    {"int": "an int", "float": "a number"}.get(type(default).__name__, f"a {type(default).__name__}"))
            raise ValueError(f"--model-option {key}: expected {kind} (the default is {default!r}), got {value!r}")


def build_model(config: dict, channels: int, num_classes: int):
    """(model, the channels it takes, its registered input size) for the run's model and data."""
    entry = models.model_entry(config["model"])
    check_model_options(config["model"], config["model_options"], entry.constructor)
    options = dict(config["model_options"], num_classes=num_classes)
    accepts = inspect.signature(entry.constructor).parameters
    if "in_channels" in accepts:
        options.setdefault("in_channels", channels)
        model_channels = options["in_channels"]
    else:
        model_channels = entry.input_size[0]
    return entry.constructor(**options), model_channels, entry.input_size


def image_transforms(config: dict, dataset, model_channels: int, model_size: tuple) -> tuple:
    """(train transform, test transform): channel adaptation, resize, augmentation,
    ToTensor and Normalize with the training set's own statistics."""
    steps = []
    if dataset.channels != model_channels:
        if dataset.channels != 1 or model_channels != 3:
            raise ValueError(f"model {config['model']!r} takes {model_channels}-channel images, dataset "
                             f"{config['data']!r} has {dataset.channels} channels")
        steps.append(T.Grayscale(num_output_channels=3))
    size = config["image_size"]
    if size is None and max(model_size[1:]) <= SMALL_INPUT:
        size = list(model_size[1:])
    if size is not None and tuple(size) != tuple(dataset.data.shape[1:3]):
        steps.append(T.Resize(tuple(size)))
    mean, std = config["normalize"]["mean"], config["normalize"]["std"]
    if model_channels != dataset.channels:  # a grey image repeated: each channel has the grey statistics
        mean, std = mean * model_channels, std * model_channels
    finish = [T.ToTensor(), T.Normalize(mean, std)]
    augment = []
    if config["augment"]:
        padding, mirror = AUGMENTATION[config["data"]]
        height = size[0] if size is not None else dataset.data.shape[1]
        width = size[1] if size is not None else dataset.data.shape[2]
        augment.append(T.RandomCrop((height, width), padding=padding))
        if mirror:
            augment.append(T.RandomHorizontalFlip())
    return T.Compose(steps + augment + finish), T.Compose(steps + finish)


def build_trainer(config: dict, out_dir=None, progress: bool = True, echo=print, overwrite: bool = False) -> Trainer:
    """Seed, load the data, build model/optimizer/schedule and return the Trainer. Fills
    in ``config["normalize"]`` (the training set's mean and std) and ``config["classes"]``."""
    config.update({k: v for k, v in DEFAULTS.items() if k not in config})
    backend.manual_seed(config["seed"])
    device = resolve_device(config["device"])
    train_set = load_dataset(config["data"], config["data_dir"], train=True)
    test_set = load_dataset(config["data"], config["data_dir"], train=False)
    if "normalize" not in config:
        mean, std = train_set.channel_stats()
        config["normalize"] = {"mean": mean, "std": std}
    config["classes"] = list(train_set.classes)
    model, model_channels, model_size = build_model(config, train_set.channels, len(train_set.classes))
    train_set.transform, test_set.transform = image_transforms(config, train_set, model_channels, model_size)
    model.to(device)
    train_loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True, device=device)
    test_loader = DataLoader(test_set, batch_size=max(256, config["batch_size"]), device=device)
    optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"], config["weight_decay"],
                               config["momentum"])
    scheduler, interval = make_scheduler(config["scheduler"], optimizer, config["epochs"], len(train_loader))
    mixers = [cls(alpha, len(train_set.classes)) for cls, alpha in ((T.Mixup, config["mixup"]),
                                                                     (T.CutMix, config["cutmix"])) if alpha > 0]
    batch_transform = None if not mixers else mixers[0] if len(mixers) == 1 else T.RandomChoice(mixers)
    return Trainer(model, optimizer, train_loader, test_loader, scheduler=scheduler, scheduler_interval=interval,
                   label_smoothing=config["label_smoothing"], batch_transform=batch_transform,
                   clip_grad_norm=config["clip_grad"], out_dir=out_dir, config=config, progress=progress, echo=echo,
                   overwrite=overwrite)


def evaluation_setup(config: dict, split: str = "test"):
    """(model, dataset) as a checkpoint's run saw them: the model rebuilt from ``config``
    (weights still to be loaded) and the dataset's ``split`` with the run's test-time
    transform (no augmentation, the training set's normalisation)."""
    config = dict(DEFAULTS, **config)
    dataset = load_dataset(config["data"], config["data_dir"], train=(split == "train"))
    if len(dataset.classes) != len(config["classes"]):
        raise ValueError(f"the checkpoint's model has {len(config['classes'])} classes, dataset "
                         f"{config['data']!r} has {len(dataset.classes)}")
    model, model_channels, model_size = build_model(config, dataset.channels, len(config["classes"]))
    dataset.transform = image_transforms(config, dataset, model_channels, model_size)[1]
    return model, dataset
