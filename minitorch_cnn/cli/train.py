"""``minitorch-cnn train``: train a model of the zoo on a dataset, with a progress bar,
per-epoch evaluation, checkpoints, a JSON-lines log and training curves."""

from __future__ import annotations

import collections
import json
import math
import os
import time

EXAMPLES = """examples:
  minitorch-cnn train                                   LeNet-5 on the shipped digits (30 epochs, about 20 s)
  minitorch-cnn train --augment --epochs 40             with random crops
  minitorch-cnn train --data mnist --data-dir ~/data/mnist --epochs 3 --lr 0.02
  minitorch-cnn train --model resnet_cifar --model-option depth=20 --data cifar10 --data-dir ~/data \\
      --augment --scheduler multistep --lr 0.1 --weight-decay 1e-4 --epochs 160 --device auto
  minitorch-cnn train --mixup 0.2 --label-smoothing 0.1
  minitorch-cnn train --autotune                        each convolution's route measured per shape
  minitorch-cnn train --resume runs/lenet5-digits/last.npz   continue an interrupted run exactly
  minitorch-cnn train --resume runs/lenet5-digits/last.npz --epochs 60   continue it for longer

The run's folder (--out, default runs/MODEL-DATA) receives last.npz (every epoch),
best.npz (best test accuracy), log.jsonl and, with matplotlib, curves.png. A folder that
holds another run is refused unless --resume continues it or --overwrite replaces it.
Resuming with more --epochs stretches the schedule to the new total: from the resumed
epoch on, the rates are those of a straight run of that many epochs."""

# the options a resumed run may change (the data may have moved); everything else comes from the checkpoint
RESUMABLE = ("epochs", "device", "data_dir")


def _image_size(text: str) -> list[int]:
    parts = text.lower().split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"--image-size must be N or HxW, got {text!r}") from None
    if len(values) not in (1, 2) or min(values) < 1:
        raise ValueError(f"--image-size must be N or HxW with positive sizes, got {text!r}")
    return values * 2 if len(values) == 1 else values


_WORDS = {"true": True, "True": True, "false": False, "False": False, "none": None, "None": None}


def _model_option(text: str) -> tuple[str, object]:
    """KEY=VALUE with the value parsed by type: true/false (or Python's True/False) a bool,
    none/None/null None, a number or JSON list a number or list, anything else a string; the
    model's constructor then checks the key and the value's type (``train.run``)."""
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise ValueError(f"--model-option must be KEY=VALUE (e.g. modern=true, depth=20), got {text!r}")
    if value in _WORDS:
        return key, _WORDS[value]
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return key, value  # a bare word is a string
    if isinstance(parsed, float) and not math.isfinite(parsed):
        raise ValueError(f"--model-option {key}: {value} is not a finite number")
    return key, parsed


def add_parser(sub) -> None:
    from ..data import dataset_names
    from ..train import OPTIMIZERS, SCHEDULERS
    from ..train.run import DEFAULTS

    train = sub.add_parser("train", help="train a model on a dataset (default: LeNet-5 on the shipped digits)",
                           epilog=EXAMPLES)
    d = DEFAULTS
    train.add_argument("--model", help=f"a registered model (default {d['model']}; see 'minitorch-cnn models')")
    train.add_argument("--model-option", action="append", metavar="KEY=VALUE", default=None,
                       help="a keyword argument of the model's constructor, repeatable (e.g. modern=true); "
                            "true/false a bool, numbers by type, checked against the constructor's options")
    train.add_argument("--data", choices=dataset_names(), help=f"the dataset (default {d['data']}, shipped)")
    train.add_argument("--data-dir", help="the folder with the downloaded files (all but digits)")
    train.add_argument("--image-size", metavar="N|HxW",
                       help="resize images to this size (default: the data's size, or the native size of "
                            "models built for small inputs, e.g. 32x32 for LeNet-5)")
    train.add_argument("--epochs", type=int, help=f"number of epochs (default {d['epochs']})")
    train.add_argument("--batch-size", type=int, help=f"mini-batch size (default {d['batch_size']})")
    train.add_argument("--lr", type=float, help=f"learning rate (default {d['lr']})")
    train.add_argument("--optimizer", choices=OPTIMIZERS, help=f"default {d['optimizer']}")
    train.add_argument("--momentum", type=float, help=f"SGD momentum (default {d['momentum']})")
    train.add_argument("--weight-decay", type=float, help=f"L2 weight decay (default {d['weight_decay']})")
    train.add_argument("--scheduler", choices=SCHEDULERS, help=f"learning-rate schedule (default {d['scheduler']})")
    train.add_argument("--device", help="cpu, cuda, cuda:N or auto (default cpu)")
    train.add_argument("--augment", action="store_true", default=None,
                       help="random crops with padding (and mirroring for Fashion-MNIST and CIFAR)")
    train.add_argument("--mixup", type=float, metavar="ALPHA", help="Mixup with Beta(ALPHA, ALPHA) (default off)")
    train.add_argument("--cutmix", type=float, metavar="ALPHA", help="CutMix with Beta(ALPHA, ALPHA) (default off)")
    train.add_argument("--label-smoothing", type=float, help="label smoothing of the loss (default 0)")
    train.add_argument("--clip-grad", type=float, metavar="MAX_NORM", help="clip the gradients' joint norm")
    train.add_argument("--seed", type=int, help=f"random seed (default {d['seed']})")
    train.add_argument("--out", help="the run's folder (default runs/MODEL-DATA)")
    train.add_argument("--resume", metavar="CHECKPOINT", help="continue the run saved in this checkpoint "
                       "(with --epochs larger than it was started with, for longer)")
    train.add_argument("--overwrite", action="store_true",
                       help="replace the run already in the folder (its checkpoints, log and curves)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--autotune", action="store_true",
                       help="choose each convolution's route by timing the candidates on its first call "
                            "(kernels.set_conv_autotune; as torch.backends.cudnn.benchmark)")
    train.set_defaults(run=run)


def _config_from(args) -> dict:
    given = {key: getattr(args, key) for key in ("model", "data", "data_dir", "epochs", "batch_size", "lr",
                                                  "optimizer", "momentum", "weight_decay", "scheduler", "device",
                                                  "augment", "mixup", "cutmix", "label_smoothing", "seed")
             if getattr(args, key) is not None}
    if args.clip_grad is not None:
        given["clip_grad"] = args.clip_grad
    if args.image_size is not None:
        given["image_size"] = _image_size(args.image_size)
    if args.model_option:
        given["model_options"] = dict(_model_option(text) for text in args.model_option)
    return given


def _check(config: dict) -> None:
    for key in ("epochs", "batch_size"):
        if config[key] < 1:
            raise ValueError(f"--{key.replace('_', '-')} must be at least 1, got {config[key]}")
    for key in ("lr", "weight_decay", "momentum", "mixup", "cutmix", "label_smoothing", "clip_grad"):
        value = config.get(key)
        if value is not None and not math.isfinite(value):  # nan passes every comparison below
            raise ValueError(f"--{key.replace('_', '-')} must be a finite number, got {value}")
    for key in ("lr", "weight_decay", "momentum", "mixup", "cutmix"):
        if config[key] < 0:
            raise ValueError(f"--{key.replace('_', '-')} must not be negative, got {config[key]}")
    if not 0 <= config["label_smoothing"] <= 1:
        raise ValueError(f"--label-smoothing must be in [0, 1], got {config['label_smoothing']}")
    if config["data"] != "digits" and config["data_dir"] is None:
        raise ValueError(f"--data {config['data']} is read from files you download: give their folder with --data-dir")
    _check_batch_fits(config)
    # the model's options and the device too, so that a bad argument is named before the run
    # folder's state (a folder holding another run is the next refusal)
    from ..models import model_entry
    from ..train.run import check_model_options, resolve_device

    check_model_options(config["model"], config.get("model_options", {}), model_entry(config["model"]).constructor)
    resolve_device(config["device"])


def _check_batch_fits(config: dict) -> None:
    """Refuse, before loading anything, a batch of input images larger than this machine's
    memory (a huge --image-size or --batch-size would otherwise fail deep in the first step)."""
    from ..models import model_entry
    from ..memory import human_bytes, physical_memory

    channels, *native = model_entry(config["model"]).input_size
    height, width = (config["image_size"] * 2)[:2] if config["image_size"] else native
    needed = config["batch_size"] * max(channels, 3) * height * width * 4  # float32, colour at most
    if needed > physical_memory():
        raise ValueError(f"--batch-size {config['batch_size']} of {height}x{width} images: one batch of input "
                         f"needs {human_bytes(needed)}, more than this machine's memory "
                         f"({human_bytes(physical_memory())})")


def _autotuned(measurements) -> str:
    """One line: how many convolution shapes autotuning measured and the routes they took."""
    chosen = collections.Counter(m.chosen for m in measurements)
    differ = sum(m.chosen != m.threshold_choice for m in measurements)
    routes = ", ".join(f"{route} {count}" for route, count in sorted(chosen.items()))
    return (f"autotune: {len(measurements)} convolution shape{'s' * (len(measurements) != 1)} measured ({routes}); "
            f"{differ} took another route than the thresholds'")


def _remedy(out: str) -> str:
    return (f"continue it with --resume {os.path.join(out, 'last.npz')}, replace it with --overwrite, or train "
            f"into another folder with --out")


def run(args) -> int:
    from ..train import load_checkpoint
    from ..train.factory import LENGTH_DEPENDENT, schedule_resumed_at
    from ..train.run import DEFAULTS, build_trainer
    from ..train.trainer import check_run_folder

    given = _config_from(args)
    saved = None
    if args.resume:
        saved = load_checkpoint(args.resume)
        changed = sorted(k for k, v in given.items() if k not in RESUMABLE and saved["config"].get(k) != v)
        if changed:
            raise ValueError(f"--resume continues the saved run; only --epochs, --device and --data-dir may change, "
                             f"not {', '.join('--' + k.replace('_', '-') for k in changed)}")
        config = dict(saved["config"], **given)
    else:
        config = dict(DEFAULTS, **given)
    _check(config)
    if saved is not None and config["epochs"] <= saved["epoch"]:
        raise ValueError(f"--epochs {config['epochs']}: {args.resume} has already finished {saved['epoch']} epochs; "
                         f"give more to continue it")
    out = args.out or (os.path.dirname(os.path.abspath(args.resume)) if args.resume
                       else os.path.join("runs", f"{config['model']}-{config['data']}"))
    check_run_folder(out, overwrite=args.overwrite, resuming_from=args.resume, remedy=_remedy(out))  # before the data
    start = time.perf_counter()
    trainer = build_trainer(config, out_dir=out, progress=not args.quiet, overwrite=args.overwrite)
    if args.resume:
        trainer.resume(args.resume)
        print(f"resumed {args.resume} after epoch {trainer.epoch}")
        if config["epochs"] != saved["config"]["epochs"] and config["scheduler"] in LENGTH_DEPENDENT:
            trainer.scheduler = schedule_resumed_at(config["scheduler"], trainer.optimizer, config["epochs"],
                                                    len(trainer.train_loader), trainer.epoch)
            print(f"the {config['scheduler']} schedule now spans {config['epochs']} epochs "
                  f"(it spanned {saved['config']['epochs']})")
    parameters = sum(p.numel() for p in trainer.model.parameters())
    epochs = f"{config['epochs']} epoch" + ("s" if config["epochs"] != 1 else "")
    print(f"{config['model']} ({parameters:,} parameters) on {config['data']}: "
          f"{len(trainer.train_loader.dataset):,} training and {len(trainer.test_loader.dataset):,} test images, "
          f"{epochs}, {config['optimizer']} lr {config['lr']}, {config['scheduler']} schedule, "
          f"device {trainer.train_loader.device}")
    from .. import kernels

    with kernels.conv_autotune(args.autotune):
        trainer.fit(config["epochs"])
    if args.autotune:
        print(_autotuned(kernels.conv_autotune_records()))
    last = trainer.history[-1]
    print(f"final test accuracy {100 * last['test_top1']:.2f}% (top-5 {100 * last['test_top5']:.2f}%), best "
          f"{100 * trainer.best['test_top1']:.2f}% at epoch {trainer.best['epoch']}; "
          f"{time.perf_counter() - start:.1f} s; checkpoints and log in {out}")
    return 0
