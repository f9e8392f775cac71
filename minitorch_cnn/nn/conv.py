"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``, ``ConvTranspose2d``,
as ``torch.nn`` (same arguments, same weight shapes, same default init), on top of
``nn.functional``'s convolutions.

``padding_mode`` other than "zeros" (reflect, replicate, circular) pads explicitly with
``F.pad`` and then convolves without padding, as PyTorch does.
"""

from __future__ import annotations

from .. import creation, kernels
from ..ops import conv as conv_ops
from ..ops.common import int_tuple
from ..ops.pad import pad
from . import init
from ._checks import check_input
from .module import Module
from .parameter import Parameter
from ..errors import ArgumentTypeError, ShapeError

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _spatial = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, output_padding=0, device=None, dtype=None):
        super().__init__()
        n = self._spatial
        name = type(self).__name__
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ShapeError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                             f"divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ShapeError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ShapeError(f"{name}: padding must be 'same', 'valid' or ints, got {padding!r}")
            if self._transposed:
                raise ShapeError(f"{name}: string padding is not supported for transposed convolutions")
            if padding == "same" and any(s != 1 for s in int_tuple(stride, n, f"{name}: stride", 1)):
                raise ShapeError(f"{name}: padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = int_tuple(kernel_size, n, f"{name}: kernel_size", 1)
        self.stride = int_tuple(stride, n, f"{name}: stride", 1)
        self.padding = padding if isinstance(padding, str) else int_tuple(padding, n, f"{name}: padding", 0)
        self.dilation = int_tuple(dilation, n, f"{name}: dilation", 1)
        self.output_padding = int_tuple(output_padding, n, f"{name}: output_padding", 0)
        self.groups, self.padding_mode = groups, padding_mode
        shape = ((in_channels, out_channels // groups) if self._transposed else
                 (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def _explicit_padding(self):
        """(F.pad argument, conv padding) for a non-zeros padding_mode."""
        if self.padding == "valid":
            return None, 0
        if self.padding == "same":
            amounts = kernels.same_padding(self.kernel_size, self.dilation)
        else:
            amounts = [(p, p) for p in self.padding]
        flat = []
        for before, after in reversed(amounts):
            flat += [before, after]
        return tuple(flat), 0

    def _check(self, input):
        n = self._spatial
        check_input(self, input, (n + 1, n + 2), self.in_channels,
                    what="(N, C, L)" if n == 1 else "(N, C, H, W)", unbatched_ndim=n + 1)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._spatial:
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * self._spatial:
            text += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * self._spatial:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    _function = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device=device, dtype=dtype)

    def _input_and_padding(self, input):
        """(the input the convolution reads, its padding): a padding_mode other than "zeros"
        pads explicitly first, as PyTorch does."""
        if self.padding_mode == "zeros":
            return input, self.padding
        amounts, _ = self._explicit_padding()
        return (pad(input, amounts, mode=self.padding_mode) if amounts else input), 0

    def forward(self, input):
        self._check(input)
        padded, padding = self._input_and_padding(input)
        return type(self)._function(padded, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def plan(self, input):
        """The plan this layer's convolution takes for ``input`` (a 2-D layer only; not a
        PyTorch method): ``layer.plan(x).explain()`` says which route and why."""
        if self._spatial != 2:
            raise ArgumentTypeError(f"{type(self).__name__}.plan: only 2-D convolutions are planned directly "
                            f"(a Conv1d is a Conv2d of height 1)")
        self._check(input)
        padded, padding = self._input_and_padding(input)
        return conv_ops.conv2d_plan(padded, self.weight, self.stride, padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) inputs; weight (C_out, C_in/groups, K).

    Shape:
        - Input: (N, C_in, L) or (C_in, L); Output: (N, C_out, L_out),
          L_out = ⌊(L + 2·padding - dilation·(K - 1) - 1) / stride⌋ + 1.
    """
    _spatial = 1
    _function = staticmethod(conv_ops.conv1d)


class Conv2d(_Conv):
    r"""2-D cross-correlation, as ``torch.nn.Conv2d``:

    $$
    \text{out}(n, c_o) = b(c_o) + \sum_{c_i} w(c_o, c_i) \star x(n, c_i)
    $$

    over the input channels of ``c_o``'s group (``groups`` splits the channels into that
    many independent convolutions; ``groups = C_in`` is depthwise). The weight is
    (C_out, C_in/groups, KH, KW), initialised as PyTorch: U(-1/√fan_in, 1/√fan_in), the bias
    too. How a call is computed (im2col chunks, per-core pipelines, Winograd, ...) is its
    plan: ``layer.plan(x).explain()``.

    Shape:
        - Input: (N, C_in, H, W) or (C_in, H, W).
        - Output: (N, C_out, H_out, W_out) or (C_out, H_out, W_out), with
          H_out = ⌊(H + 2·padding[0] - dilation[0]·(KH - 1) - 1) / stride[0]⌋ + 1 (W alike);
          ``padding="same"`` keeps H and W (stride 1).

    Example:

        >>> conv = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        >>> conv(mt.randn(8, 3, 32, 32)).shape
        (8, 16, 32, 32)
    """

    _spatial = 2
    _function = staticmethod(conv_ops.conv2d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _function = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ShapeError(f'Only "zeros" padding mode is supported for {type(self).__name__}, got {padding_mode!r}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device=device, dtype=dtype)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        n = self._spatial
        wanted = tuple(output_size)[-n:]
        extra = []
        for a in range(n):
            smallest = kernels.conv_transpose_output_size(input.shape[-n + a], self.kernel_size[a], self.stride[a],
                                                          self.padding[a], self.dilation[a], 0)
            if not smallest <= wanted[a] < smallest + self.stride[a]:
                raise ShapeError(f"{self!r}: requested output size {tuple(wanted)} is not reachable: dim {a} must be "
                                 f"in [{smallest}, {smallest + self.stride[a] - 1}]")
            extra.append(wanted[a] - smallest)
        return tuple(extra)

    def forward(self, input, output_size=None):
        self._check(input)
        conv = type(self)._function
        return conv(input, self.weight, self.bias, self.stride, self.padding,
                    self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution; weight (C_in, C_out/groups, K).

    Shape:
        - Input: (N, C_in, L); Output: (N, C_out, L_out),
          L_out = (L - 1)·stride - 2·padding + dilation·(K - 1) + output_padding + 1.
    """
    _spatial = 1
    _function = staticmethod(conv_ops.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution (the gradient of Conv2d in its input); weight
    (C_in, C_out/groups, KH, KW).

    Shape:
        - Input: (N, C_in, H, W) or (C_in, H, W); Output: (N, C_out, H_out, W_out),
          H_out = (H - 1)·stride[0] - 2·padding[0] + dilation[0]·(KH - 1) + output_padding[0] + 1 (W alike).
    """
    _spatial = 2
    _function = staticmethod(conv_ops.conv_transpose2d)
