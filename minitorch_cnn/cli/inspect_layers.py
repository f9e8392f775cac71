"""``minitorch-cnn inspect MODEL``: per-layer activation statistics and gradient norms
on one forward and backward pass, under one or more weight initialisations."""

from __future__ import annotations

EXAMPLES = """examples:
  minitorch-cnn inspect lenet5
  minitorch-cnn inspect vgg16 --input 3x32x32 --init xavier kaiming normal0.01 --plot inits.png
  minitorch-cnn inspect resnet18 --input 3x64x64 --only ReLU

The inputs are a batch of N(0, 1) images and random labels (the lecture's experiment);
the loss is their cross-entropy."""


def add_parser(sub) -> None:
    from ..inspect.activations import INIT_SCHEMES

    ins = sub.add_parser("inspect", help="activation statistics and gradient norms, layer by layer",
                         epilog=EXAMPLES)
    ins.add_argument("model", help="a registered model name (see 'minitorch-cnn models')")
    ins.add_argument("--init", nargs="+", default=None, metavar="SCHEME",
                     help=f"re-initialise the weights first: {', '.join(INIT_SCHEMES)} or normalSTD; several "
                          "give one table each (default: the model's own initialisation)")
    ins.add_argument("--input", default=None, help="input size CxHxW (default: the model's native size)")
    ins.add_argument("--batch-size", type=int, default=16, help="batch size (default 16)")
    ins.add_argument("--num-classes", type=int, default=None, help="number of classes (default: the model's)")
    ins.add_argument("--only", default=None, metavar="TYPE", help="only layers of this type, e.g. ReLU or Conv2d")
    ins.add_argument("--train", action="store_true", help="training mode (batch statistics, dropout on)")
    ins.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ins.add_argument("--plot", metavar="FILE.png", help="also draw each layer's output std and the norm of the "
                                                         "gradient reaching it (needs matplotlib)")
    ins.set_defaults(run=run)


def _number(value) -> str:
    return "-" if value is None else f"{value:.3g}"


def run(args) -> int:
    import minitorch_cnn as mt

    from .. import models
    from ..inspect import activation_statistics, parse_input_size, reinitialize_
    from .summary import model_options
    from .table import print_table

    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    entry = models.model_entry(args.model)
    input_size = parse_input_size(args.input) if args.input else entry.input_size
    if args.plot is not None:
        from ..train.plot import require_matplotlib
        require_matplotlib()  # fail before the work, not after
    results = {}
    for scheme in args.init or ["default"]:
        mt.manual_seed(args.seed)
        model = entry.constructor(**model_options(args))
        model.train(args.train)
        if scheme != "default":
            reinitialize_(model, scheme)
        images = mt.randn(args.batch_size, *input_size)
        try:
            rows = activation_statistics(model, images)
        except (ValueError, RuntimeError) as error:
            raise ValueError(f"{args.model} on input {'x'.join(map(str, input_size))}: {error}") from None
        if args.only:
            rows = [r for r in rows if r.kind.lower() == args.only.lower()]
            if not rows:
                raise ValueError(f"--only {args.only}: {args.model} has no layer of that type")
        results[scheme] = rows
        print(f"\n{args.model}, init {scheme}, input {args.batch_size}x{'x'.join(map(str, input_size))}")
        print_table(("layer", "type", "output", "mean", "std", "zeros", "grad norm", "weight grad norm"),
                    [(r.name, r.kind, "x".join(map(str, r.shape)), _number(r.mean), _number(r.std),
                      f"{100 * r.zeros:.1f}%", _number(r.grad_norm), _number(r.weight_grad_norm)) for r in rows],
                    right_aligned=(3, 4, 5, 6, 7))
    if args.plot is not None:
        _plot(results, args.model, args.plot)
        print(f"\nplot written to {args.plot}")
    return 0


def _plot(results: dict, model_name: str, path) -> None:
    from ..train.plot import require_matplotlib, save_figure

    plt = require_matplotlib()
    figure, (act_axes, grad_axes) = plt.subplots(1, 2, figsize=(11, 4))
    for scheme, rows in results.items():
        act_axes.semilogy([max(r.std, 1e-30) for r in rows], "-o", markersize=3, label=scheme)
        reached = [(i, r.grad_norm) for i, r in enumerate(rows) if r.grad_norm]
        grad_axes.semilogy([i for i, _ in reached], [g for _, g in reached], "-s", markersize=3, label=scheme)
    act_axes.set(xlabel="layer (in forward order)", ylabel="std of the output", title=f"{model_name}: activations")
    grad_axes.set(xlabel="layer (in forward order)", ylabel="norm of the gradient at the output",
                  title="gradients flowing back")
    for axes in (act_axes, grad_axes):
        axes.grid(alpha=0.3, which="both")
        axes.legend()
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)
