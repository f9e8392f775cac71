"""``minitorch_cnn.nn.functional``: the functional forms of layers, as
``torch.nn.functional``. Each function lives in the ``ops`` module of its family; this
namespace gathers them under PyTorch's names."""

from ..ops.activation import (celu, elu, erf, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish,
                              prelu, relu, relu6, selu, silu, softplus)
from ..ops.attention import multi_head_attention_forward, scaled_dot_product_attention
from ..ops.conv import conv1d, conv2d, conv2d_plan, conv_transpose1d, conv_transpose2d
from ..ops.conv3d import conv3d, conv_transpose3d
from ..ops.dropout import dropout, dropout2d, stochastic_depth
from ..ops.indexing import one_hot
from ..ops.linalg import linear
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div,
                        l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from ..ops.normalization import batch_norm, group_norm, instance_norm, layer_norm, local_response_norm
from ..ops.pad import pad
from ..ops.products_norms import normalize
from ..ops.unfold import fold, unfold
from ..ops.pooling import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d, max_unpool2d)
from ..ops.pooling import adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d
from ..ops.pooling3d import adaptive_avg_pool3d, avg_pool3d, max_pool3d
from ..ops.resample import channel_shuffle, interpolate, pixel_shuffle, pixel_unshuffle, upsample
from ..ops.softmax import log_softmax, softmax
from ..ops.unary import sigmoid, tanh


def global_avg_pool2d(input):
    """Mean over H and W, keeping them as size 1: (N, C, H, W) -> (N, C, 1, 1)."""
    return adaptive_avg_pool2d(input, 1)


__all__ = [name for name in dir() if not name.startswith("_")]
