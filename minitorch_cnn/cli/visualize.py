"""``minitorch-cnn visualize``: pictures of what a network learned and looks at, drawn with
matplotlib (the ``plot`` extra) from ``minitorch_cnn.inspect``'s functions."""

from __future__ import annotations

import os

WHAT = ("filters", "maps", "deconv", "guided", "saliency", "cam", "occlusion")

EPILOG = """examples:
  minitorch-cnn train --model-option modern=true --out runs/modern --quiet
  minitorch-cnn visualize runs/modern/best.npz --what filters --out pictures
  minitorch-cnn visualize runs/modern/best.npz --what saliency --input 7 --out pictures
  minitorch-cnn visualize runs/modern/best.npz --what deconv --layer features.c3 --out pictures
  minitorch-cnn visualize lenet5 --what maps --input digit.png --out pictures

MODEL-or-CHECKPOINT: a training checkpoint (its model, weights and test images), or a
registered model's name (untrained, on the shipped digits). --input: an index into the
test images (default 0) or an image file. --layer: a layer's name (see 'minitorch-cnn
summary MODEL'); the default is the first convolution for filters and maps, the last
convolutional layer for deconv."""


def add_parser(sub) -> None:
    parser = sub.add_parser("visualize", help="pictures of filters, feature maps, deconvnet reconstructions, "
                            "saliency, guided backpropagation, class activation maps and occlusion", epilog=EPILOG)
    parser.add_argument("model", metavar="MODEL-or-CHECKPOINT")
    parser.add_argument("--what", required=True, choices=WHAT, help="the picture")
    parser.add_argument("--layer", default=None, help="the layer (filters, maps, deconv)")
    parser.add_argument("--input", default="0", help="a test image's index, or an image file (default 0)")
    parser.add_argument("--out", required=True, help="folder for the PNG")
    parser.set_defaults(run=run)


def _setup(spec: str):
    """(model, test dataset, a name for titles) from a checkpoint or a registered model."""
    from ..train.run import DEFAULTS, evaluation_setup

    if spec.endswith(".npz") or os.path.exists(spec):
        from ..train import load_checkpoint

        state = load_checkpoint(spec)
        model, dataset = evaluation_setup(dict(state["config"]), "test")
        model.load_state_dict(state["model"])
        return model.eval(), dataset, f"{state['config']['model']} ({os.path.basename(spec)})"
    from ..data import load_dataset
    from ..models import model_entry

    entry = model_entry(spec)  # a ValueError naming the models when there is no such one
    train = load_dataset("digits", train=True)
    mean, std = train.channel_stats()
    # the digits resized to the model's own input size (a 224x224 network pools 32x32 away)
    config = dict(DEFAULTS, model=spec, normalize={"mean": mean, "std": std}, classes=list(train.classes),
                  image_size=list(entry.input_size[1:]))
    model, dataset = evaluation_setup(config, "test")
    return model.eval(), dataset, f"{spec} (untrained)"


def _image(dataset, text: str):
    """(image tensor, its label or None, a description) from an index or an image file."""
    if text.isdigit():
        index = int(text)
        if index >= len(dataset):
            raise ValueError(f"--input {index}: the test set has {len(dataset)} images (0 to {len(dataset) - 1})")
        image, label = dataset[index]
        return image, label, f"test image {index} (class {dataset.classes[label]})"
    if not os.path.isfile(text):
        raise ValueError(f"--input {text!r}: neither a test image's index nor an image file")
    try:
        from PIL import Image
    except ImportError:
        raise ValueError("--input: reading an image file needs Pillow (pip install -e \".[vision]\")") from None
    import numpy as np

    with Image.open(text) as picture:
        array = np.asarray(picture.convert("L" if dataset.channels == 1 else "RGB"))
    return dataset.transform(array), None, os.path.basename(text)


def _default_layer(model, what: str) -> str:
    from ..inspect import deconv_layers
    from ..nn import Conv2d

    convolutions = [name for name, m in model.named_modules() if isinstance(m, Conv2d)]
    if not convolutions:
        raise ValueError("the model has no convolution to show")
    if what == "deconv":
        usable = deconv_layers(model)
        if not usable:
            raise ValueError("deconv: the model does not begin with layers a deconvnet undoes (convolutions, "
                             "ReLUs, max pooling)")
        return usable[-1]
    return convolutions[0]


def _cam_layers(model, image) -> tuple[str, str | None]:
    """(features, classifier): the module that feeds the last global average pooling (the
    one that ran just before it on ``image``: the order of the forward pass, not of the
    attributes), and the linear layer after it (None when the pooled maps are the class
    scores already, as in NiN, whose last convolution has one map per class)."""
    from ..nn import AdaptiveAvgPool2d, GlobalAvgPool2d, Linear

    names = [(name, m) for name, m in model.named_modules() if name]
    pools = [i for i, (_, m) in enumerate(names) if isinstance(m, (AdaptiveAvgPool2d, GlobalAvgPool2d))
             and getattr(m, "output_size", 1) in (1, (1, 1))]
    if not pools:
        raise ValueError("cam needs a network with global average pooling before its classifier (NiN, GoogLeNet, "
                         "ResNet, ...)")
    pool_name = names[pools[-1]][0]
    parent = pool_name.rpartition(".")[0]
    modules = dict(names)
    siblings = [name for name, _ in names if name.rpartition(".")[0] == parent]
    order = []
    handles = [modules[name].register_forward_hook(lambda m, a, o, name=name: order.append(name)) for name in siblings]
    try:
        from ..autograd.grad_mode import no_grad

        with no_grad():
            model(image.unsqueeze(0))
    finally:
        for handle in handles:
            handle.remove()
    if pool_name not in order or order.index(pool_name) == 0:
        raise ValueError(f"cam: nothing runs before the global average pooling {pool_name!r} in its block")
    before = order[order.index(pool_name) - 1]
    after = [name for name, m in names[pools[-1] + 1:] if isinstance(m, Linear)]
    if len(after) > 1:
        raise ValueError("cam needs at most one linear layer after the global average pooling, got "
                         f"{', '.join(after)}")
    return before, (after[0] if after else None)


def run(args) -> int:
    import numpy as np

    from .. import inspect as I
    from ..train.run import resolve_device

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ValueError("visualize draws with matplotlib: pip install -e \".[plot]\"") from None
    resolve_device("cpu")
    model, dataset, model_name = _setup(args.model)
    image, label, described = _image(dataset, args.input)
    os.makedirs(args.out, exist_ok=True)
    figure, axes = plt.subplots(figsize=(6.4, 5.2))
    what, layer = args.what, args.layer
    if what in ("filters", "maps", "deconv"):
        layer = layer or _default_layer(model, what)
    if what == "filters":
        modules = dict(model.named_modules())
        if layer not in modules or not hasattr(modules[layer], "weight") or modules[layer].weight.ndim != 4:
            raise ValueError(f"--layer {layer!r}: filters need a convolution's name")
        weight = modules[layer].weight
        grid = I.filter_grid(weight, columns=min(8, weight.shape[0]))
        axes.imshow(grid if grid.shape[2] == 3 else grid[:, :, 0], cmap=None if grid.shape[2] == 3 else "gray")
        title = f"{model_name}: the filters of {layer}"
        axes.set_xlabel(f"{weight.shape[0]} filters of {weight.shape[2]}x{weight.shape[3]}, up to 8 to a row "
                        "(each scaled to its own range)")
        axes.set_xticks([]), axes.set_yticks([])
    elif what == "maps":
        maps = I.feature_maps(model, image, layer)
        if maps.ndim != 3:
            raise ValueError(f"--layer {layer!r} gives {list(maps.shape)}, not (C, H, W) maps")
        count = min(len(maps), 16)
        columns = 4
        rows = -(-count // columns)
        plt.close(figure)
        figure, grid = plt.subplots(rows, columns, figsize=(6.4, 1.7 * rows + 0.8), squeeze=False)
        for index, ax in enumerate(grid.flat):
            ax.set_xticks([]), ax.set_yticks([])
            if index >= count:
                ax.axis("off")
            else:
                shown = ax.imshow(maps[index], cmap="viridis")
                ax.set_title(f"channel {index}", fontsize=8)
        figure.colorbar(shown, ax=grid.ravel().tolist(), shrink=0.8, label="activation")
        title = f"{model_name}: {layer} on {described}"
        axes = None
    elif what == "deconv":
        reconstruction, channel, unit = I.deconvnet(model, image, layer)
        shown = reconstruction.transpose(1, 2, 0) if reconstruction.shape[0] == 3 else reconstruction[0]
        if shown.ndim == 3:
            shown = (shown - shown.min()) / max(np.ptp(shown), 1e-12)
        reach = float(np.abs(shown).max()) or 1.0  # zero in the middle of the diverging colours
        picture = axes.imshow(shown, cmap=None, vmin=None, vmax=None) if shown.ndim == 3 else \
            axes.imshow(shown, cmap="RdBu_r", vmin=-reach, vmax=reach)
        if shown.ndim == 2:
            figure.colorbar(picture, ax=axes, label="reconstruction")
        title = f"{model_name}: deconvnet of {layer}, channel {channel} at {unit}, on {described}"
    else:
        if what == "saliency":
            values, chosen = I.saliency(model, image)
            label_text = "|d score / d pixel|"
        elif what == "guided":
            guided, chosen = I.guided_backprop(model, image)
            values = np.abs(guided).max(axis=0)
            label_text = "guided gradient (largest over channels)"
        elif what == "cam":
            features, classifier = _cam_layers(model, image)
            if classifier is not None:
                values, chosen = I.model_class_activation_map(model, image, features, classifier)
                label_text = f"class activation ({features} weighted by {classifier})"
            else:  # the maps are the classes' own
                from ..autograd.grad_mode import no_grad

                with no_grad():
                    chosen = int(model(image.unsqueeze(0)).argmax(1).item())
                values = I.feature_maps(model, image, features)[chosen]
                label_text = f"class activation ({features}, the class's own map)"
        else:
            values, chosen = I.occlusion(model, image)
            label_text = "score drop when covered (8x8 window, stride 4)"
        if what == "occlusion":
            reach = float(np.abs(values).max()) or 1.0
            picture = axes.imshow(values, cmap="RdBu_r", vmin=-reach, vmax=reach)
        else:
            picture = axes.imshow(values, cmap="inferno")
        figure.colorbar(picture, ax=axes, label=label_text)
        title = f"{model_name}: {what} for class {dataset.classes[chosen]}, on {described}"
    if axes is not None and what != "filters":
        axes.set_xlabel("column")
        axes.set_ylabel("row")
    figure.suptitle(title, fontsize=9)
    stem = os.path.splitext(os.path.basename(args.model))[0]
    path = os.path.join(args.out, f"{stem}-{what}" + (f"-{layer}" if layer else "") + ".png")
    figure.savefig(path, dpi=110)
    plt.close(figure)
    print(f"{title}\nwritten to {path}")
    return 0
