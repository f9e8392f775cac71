"""Cost claims: what a layer's design saves in weights and multiply-adds, and whether this
framework's kernels turn the saving into time.

- ``separable``: a depthwise separable convolution (a K×K depthwise then a 1×1
  pointwise) needs 1/N + 1/K² of a standard convolution's weights and multiply-adds (M
  input, N output channels; MobileNet's section 3.1), yet is not proportionally faster:
  the depthwise part does little arithmetic per byte it moves.
- ``bottleneck``: 1×1 convolutions that reduce the channels before the 3×3 and 5×5
  branches cut an Inception module's multiply-adds (GoogLeNet's section 4), measured on
  the 3a module's shapes (28×28×192 in).

The weights and multiply-adds come from ``inspect.summary`` (which counts them from the
layers' shapes); the time is the median of several forward-and-backward passes.
"""

from __future__ import annotations

import statistics
import time

from .. import creation, nn
from ..inspect import summary
from ..ops import cat
from .base import Experiment, Outcome, Settings


def _seconds(model, x, repeats: int) -> float:
    """Median seconds of a forward and backward pass (one warm-up pass first)."""
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        model(x).sum().backward()
        if i:
            times.append(time.perf_counter() - start)
        x.grad = None
        for p in model.parameters():
            p.grad = None
    return statistics.median(times)


def _costs(model, input_size):
    table = summary(model, input_size)
    return table.total_params, table.total_macs


def run_separable(settings: Settings) -> Outcome:
    shapes = [(8, 16, 3, 10, 1)] + ([(64, 128, 3, 32, 8)] if settings.quick else
                                    [(64, 128, 3, 32, 8), (128, 256, 3, 16, 16), (256, 512, 3, 8, 16)])
    repeats = 3 if settings.quick else 7
    rows, ratios = [], []
    for m, n, k, size, batch in shapes:
        standard = nn.Conv2d(m, n, k, padding=k // 2, bias=False)
        separable = nn.Sequential(nn.Conv2d(m, m, k, padding=k // 2, groups=m, bias=False),
                                  nn.Conv2d(m, n, 1, bias=False))
        (w_std, macs_std), (w_sep, macs_sep) = _costs(standard, (m, size, size)), _costs(separable, (m, size, size))
        x = creation.randn(batch, m, size, size, device=settings.device, requires_grad=True)
        t_std = _seconds(standard.to(settings.device), x, repeats)
        t_sep = _seconds(separable.to(settings.device), x, repeats)
        formula = 1 / n + 1 / k ** 2
        rows.append({"M -> N, K": f"{m} -> {n}, {k}x{k}", "input": f"{batch}x{m}x{size}x{size}",
                     "weights": f"{w_sep} / {w_std}", "weight ratio": w_sep / w_std, "1/N + 1/K^2": formula,
                     "MAC ratio": macs_sep / macs_std, "time ratio": t_sep / t_std,
                     "standard ms": 1e3 * t_std, "separable ms": 1e3 * t_sep})
        ratios.append((w_sep / w_std, macs_sep / macs_std, formula, t_sep / t_std))
    formula_holds = all(abs(w - f) < 1e-12 and abs(c - f) < 1e-12 for w, c, f, _ in ratios)
    # "not proportionally faster": the time falls by less than half as much as the arithmetic
    timed = ratios[1:]
    slower_than_arithmetic = all(t > 2 * c for _, c, _, t in timed)
    if formula_holds and slower_than_arithmetic:
        verdict, why = "reproduced", "the ratios are 1/N + 1/K^2 and the time falls far less"
    elif formula_holds:
        verdict, why = "partly", "the weights and MACs follow 1/N + 1/K^2, but the time fell about as much"
    else:
        verdict, why = "not reproduced", "the counted ratios differ from 1/N + 1/K^2"
    columns = ["M -> N, K", "input", "weights", "weight ratio", "1/N + 1/K^2", "MAC ratio", "time ratio",
               "standard ms", "separable ms"]

    def draw(axes):
        labels = [row["M -> N, K"] for row in rows[1:]]
        positions = range(len(labels))
        axes.bar([p - 0.2 for p in positions], [row["MAC ratio"] for row in rows[1:]], 0.4, label="multiply-adds")
        axes.bar([p + 0.2 for p in positions], [row["time ratio"] for row in rows[1:]], 0.4, label="measured time")
        axes.set_xticks(list(positions), labels)
        axes.set_xlabel("layer (input -> output channels, kernel)")
        axes.set_ylabel("separable / standard")
        axes.set_title("depthwise separable vs standard convolution")
        axes.legend()

    return Outcome(columns, rows, verdict, why, plots=[("ratios", draw)],
                   notes=["time: median of forward + backward passes on this machine; the first row is MobileNet's "
                          "8 -> 16 example (too small to time meaningfully, not judged on time)"])


class _Inception(nn.Module):
    """GoogLeNet's module, naive (each branch straight on the input) or with 1×1
    reductions before the 3×3 and 5×5 branches and after the pooling."""

    def __init__(self, channels, ones, reduce3, threes, reduce5, fives, pool_proj, reduced: bool):
        super().__init__()
        conv = lambda a, b, k: nn.Sequential(nn.Conv2d(a, b, k, padding=k // 2), nn.ReLU())  # noqa: E731
        self.branch1 = conv(channels, ones, 1)
        if reduced:
            self.branch3 = nn.Sequential(conv(channels, reduce3, 1), conv(reduce3, threes, 3))
            self.branch5 = nn.Sequential(conv(channels, reduce5, 1), conv(reduce5, fives, 5))
            self.pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), conv(channels, pool_proj, 1))
        else:
            self.branch3, self.branch5 = conv(channels, threes, 3), conv(channels, fives, 5)
            self.pool = nn.MaxPool2d(3, 1, 1)

    def forward(self, x):
        return cat([self.branch1(x), self.branch3(x), self.branch5(x), self.pool(x)], 1)


def run_bottleneck(settings: Settings) -> Outcome:
    shape = (192, 64, 96, 128, 16, 32, 32)  # inception (3a): 192 in; 64; 96 -> 128; 16 -> 32; pool -> 32
    size, batch = 28, (2 if settings.quick else 8)
    repeats = 2 if settings.quick else 5
    naive, reduced = _Inception(*shape, reduced=False), _Inception(*shape, reduced=True)
    rows = []
    measured = {}
    for name, module in (("naive", naive), ("1x1 reductions", reduced)):
        params, macs = _costs(module, (192, size, size))
        five = _costs(module.branch5, (192, size, size))[1]
        x = creation.randn(batch, 192, size, size, device=settings.device, requires_grad=True)
        seconds = _seconds(module.to(settings.device), x, repeats)
        out_channels = module(creation.zeros(1, 192, size, size, device=settings.device)).shape[1]
        measured[name] = (macs, five, seconds)
        rows.append({"module": name, "output channels": out_channels, "parameters": params, "MACs": macs,
                     "5x5 branch MACs": five, "ms per batch": 1e3 * seconds})
    (macs_n, five_n, t_n), (macs_r, five_r, t_r) = measured["naive"], measured["1x1 reductions"]
    rows.append({"module": "naive / reduced", "MACs": macs_n / macs_r, "5x5 branch MACs": five_n / five_r,
                 "ms per batch": t_n / t_r})
    whole, branch, speedup = macs_n / macs_r, five_n / five_r, t_n / t_r
    # "an order of magnitude": a ratio whose log10 rounds to 1 or more, i.e. at least √10 ≈ 3.16
    order = 10 ** 0.5
    if whole >= order:
        verdict, why = "reproduced", f"the module needs {whole:.1f}x fewer multiply-adds"
    elif branch >= order:
        verdict, why = "partly", (f"the 5x5 branch needs {branch:.1f}x fewer multiply-adds, the whole module "
                                  f"{whole:.1f}x (measured {speedup:.1f}x faster)")
    else:
        verdict, why = "not reproduced", f"the saving is {whole:.1f}x for the module, {branch:.1f}x for the 5x5 branch"
    columns = ["module", "output channels", "parameters", "MACs", "5x5 branch MACs", "ms per batch"]

    def draw(axes):
        names = ["naive", "1x1 reductions"]
        axes.bar(names, [measured[n][0] / 1e6 for n in names], label="whole module")
        axes.bar(names, [measured[n][1] / 1e6 for n in names], label="5x5 branch")
        axes.set_xlabel("Inception (3a), 28x28x192 input")
        axes.set_ylabel("million multiply-adds per image")
        axes.legend()

    return Outcome(columns, rows, verdict, why, plots=[("macs", draw)],
                   notes=["the naive module's pooling branch passes all 192 channels on, so it outputs 416 channels "
                          "where the reduced one outputs 256, as in the paper's figure 2"])


SEPARABLE = Experiment(
    name="separable",
    claim="a depthwise separable convolution needs 1/N + 1/K^2 of a standard one's weights and multiply-adds, "
          "yet is not proportionally faster",
    source="Howard et al., MobileNets (2017), section 3.1; lecture: efficient architectures",
    rule="reproduced if the counted weight and MAC ratios equal 1/N + 1/K^2 and, on the timed layers, the time "
         "ratio is more than twice the MAC ratio; partly if only the counts hold",
    minutes_quick=0.3, minutes_full=1.5, run=run_separable)

BOTTLENECK = Experiment(
    name="bottleneck",
    claim="1x1 reductions cut an Inception module's cost by an order of magnitude",
    source="Szegedy et al., Going deeper with convolutions (2015), section 4; lecture: GoogLeNet",
    rule="an order of magnitude is a ratio whose log10 rounds to 1 or more (at least 3.16x): reproduced if the "
         "reduced module needs that many times fewer multiply-adds than the naive one; partly if only its 5x5 "
         "branch does",
    minutes_quick=0.3, minutes_full=1.0, run=run_bottleneck)
