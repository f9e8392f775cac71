"""ShuffleNet v2 (Ma et al., 2018), designed by measured speed rather than FLOPs.

Each basic unit splits the channels in two: one half passes untouched, the other goes
through 1×1 conv → 3×3 depthwise conv → 1×1 conv (equal widths, no group convolutions:
both cost memory access); the halves are concatenated and the channels *shuffled* (the
view (groups, C/groups) transposed), so information crosses between the halves in the
next unit. The down-sampling unit sends the whole input through both branches, each with
a stride-2 depthwise conv, doubling the channels. torchvision layout.
"""

from __future__ import annotations

from .. import nn
from ..nn import functional as F
from ..ops import cat, chunk
from .registry import register_model


def _depthwise(channels: int, stride: int) -> nn.Conv2d:
    return nn.Conv2d(channels, channels, 3, stride, padding=1, groups=channels, bias=False)


class ShuffleUnit(nn.Module):
    """torchvision's ``InvertedResidual`` of ShuffleNet v2: stride 1 splits, stride 2 widens."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"ShuffleUnit: stride must be 1 or 2, got {stride}")
        branch = out_channels // 2
        if stride == 1 and in_channels != 2 * branch:
            raise ValueError(f"ShuffleUnit: a stride-1 unit keeps its width, got {in_channels} → {out_channels}")
        self.stride = stride
        if stride == 2:
            self.branch1 = nn.Sequential(_depthwise(in_channels, stride), nn.BatchNorm2d(in_channels),
                                         nn.Conv2d(in_channels, branch, 1, bias=False), nn.BatchNorm2d(branch),
                                         nn.ReLU())
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(in_channels if stride == 2 else branch, branch, 1, bias=False), nn.BatchNorm2d(branch),
            nn.ReLU(), _depthwise(branch, stride), nn.BatchNorm2d(branch),
            nn.Conv2d(branch, branch, 1, bias=False), nn.BatchNorm2d(branch), nn.ReLU())

    def forward(self, x):
        if self.stride == 1:
            kept, processed = chunk(x, 2, dim=1)
            out = cat([kept, self.branch2(processed)], 1)
        else:
            out = cat([self.branch1(x), self.branch2(x)], 1)
        return F.channel_shuffle(out, 2)


# per width: the output channels of conv1, stages 2-4 and conv5 (Table 5 of the paper)
STAGE_CHANNELS = {"0_5": (24, 48, 96, 192, 1024), "1_0": (24, 116, 232, 464, 1024),
                  "1_5": (24, 176, 352, 704, 1024), "2_0": (24, 244, 488, 976, 2048)}
STAGE_REPEATS = (4, 8, 4)


class ShuffleNetV2(nn.Module):
    """ShuffleNet v2 (Ma et al., 2018): channel split, depthwise convolutions and channel shuffle."""

    def __init__(self, stages_out_channels, num_classes: int = 1000, stages_repeats=STAGE_REPEATS):
        super().__init__()
        if len(stages_out_channels) != 5 or len(stages_repeats) != 3:
            raise ValueError("ShuffleNetV2: expected 5 channel counts and 3 stage repeats, got "
                             f"{list(stages_out_channels)} and {list(stages_repeats)}")
        first = stages_out_channels[0]
        self.conv1 = nn.Sequential(nn.Conv2d(3, first, 3, 2, 1, bias=False), nn.BatchNorm2d(first), nn.ReLU())
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        channels = first
        for index, (repeats, out) in enumerate(zip(stages_repeats, stages_out_channels[1:4]), start=2):
            units = [ShuffleUnit(channels, out, 2)] + [ShuffleUnit(out, out, 1) for _ in range(repeats - 1)]
            setattr(self, f"stage{index}", nn.Sequential(*units))
            channels = out
        last = stages_out_channels[-1]
        self.conv5 = nn.Sequential(nn.Conv2d(channels, last, 1, bias=False), nn.BatchNorm2d(last), nn.ReLU())
        self.fc = nn.Linear(last, num_classes)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        return self.fc(x.mean((2, 3)))


def _register(width: str):
    """The registered constructor ``shufflenet_v2_x<width>(num_classes)``."""

    def constructor(num_classes: int = 1000) -> ShuffleNetV2:
        return ShuffleNetV2(STAGE_CHANNELS[width], num_classes)

    constructor.__name__ = constructor.__qualname__ = f"shufflenet_v2_x{width}"
    constructor.__doc__ = (f"ShuffleNet v2 at {width.replace('_', '.')}× width: stages of "
                           f"{'-'.join(map(str, STAGE_CHANNELS[width][1:4]))} channels.")
    return register_model(input_size=(3, 224, 224))(constructor)


shufflenet_v2_x0_5 = _register("0_5")
shufflenet_v2_x1_0 = _register("1_0")
shufflenet_v2_x1_5 = _register("1_5")
shufflenet_v2_x2_0 = _register("2_0")
