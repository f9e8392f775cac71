"""``minitorch-cnn eval CHECKPOINT``: a trained model's loss, top-1 and top-5 accuracy
and confusion matrix on a dataset."""

from __future__ import annotations

from .table import print_table

EXAMPLES = """examples:
  minitorch-cnn eval runs/lenet5-digits/best.npz
  minitorch-cnn eval runs/lenet5-mnist/best.npz --data-dir ~/data/mnist --split train"""


def add_parser(sub) -> None:
    ev = sub.add_parser("eval", help="evaluate a checkpoint: loss, top-1, top-5, confusion matrix",
                        epilog=EXAMPLES)
    ev.add_argument("checkpoint", help="a checkpoint written by 'minitorch-cnn train' (last.npz, best.npz)")
    ev.add_argument("--data-dir", help="where the dataset's files are (default: where the run read them)")
    ev.add_argument("--split", choices=("test", "train"), default="test", help="which split (default test)")
    ev.add_argument("--batch-size", type=int, default=256, help="batch size (default 256)")
    ev.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    ev.set_defaults(run=run)


def run(args) -> int:
    from ..data import DataLoader
    from ..train import evaluate, load_checkpoint
    from ..train.run import evaluation_setup, resolve_device

    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    device = resolve_device(args.device)
    state = load_checkpoint(args.checkpoint)
    config = dict(state["config"])
    if args.data_dir is not None:
        config["data_dir"] = args.data_dir
    model, dataset = evaluation_setup(config, args.split)
    model.load_state_dict(state["model"])
    model.to(device)
    result = evaluate(model, DataLoader(dataset, batch_size=args.batch_size, device=device), confusion=True,
                      progress=not args.quiet)
    print(f"{config['model']} after epoch {state['epoch']} on {config['data']} ({args.split}, "
          f"{result['samples']:,} images): loss {result['loss']:.4f}, top-1 {100 * result['top1']:.2f}%, "
          f"top-5 {100 * result['top5']:.2f}%")
    classes = config["classes"]
    if len(classes) <= 20:
        print("\nconfusion matrix (rows: true class, columns: predicted)")
        matrix = result["confusion"]
        short = [c[:8] for c in classes]
        rows = [(name, *map(str, counts), f"{100 * counts[i] / max(1, counts.sum()):.1f}%")
                for i, (name, counts) in enumerate(zip(short, matrix))]
        print_table(("", *short, "recall"), rows, right_aligned=tuple(range(1, len(classes) + 2)))
    return 0
