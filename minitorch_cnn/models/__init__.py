"""``minitorch_cnn.models``: the classic CNN architectures, one file per family, built on
``minitorch_cnn.nn``. Constructors take ``num_classes`` and the family's options as keyword
arguments; ``list_models()`` names them all and ``get_model(name, **kwargs)`` builds one.
Where torchvision has the model, the state_dict keys and shapes are torchvision's. (The two
families' auxiliary classifiers share torchvision's name ``InceptionAux``: they are
``models.googlenet.InceptionAux`` and ``models.inception.InceptionAux``.)"""

from .alexnet import AlexNet, alexnet
from .autoencoder import ConvAutoencoder, conv_autoencoder
from .efficientnet import (EfficientNet, MBConv, efficientnet_b0, efficientnet_b1, efficientnet_b2, efficientnet_b3,
                           efficientnet_b4, efficientnet_b5, efficientnet_b6, efficientnet_b7)
from .densenet import DenseBlock, DenseLayer, DenseNet, Transition, densenet121, densenet161, densenet169, densenet201
from .ensemble import Ensemble
from .fcn import FCN, VGG16Features, fcn8s, fcn16s, fcn32s
from .googlenet import BasicConv2d, GoogLeNet, GoogLeNetOutputs, Inception, auxiliary_loss, googlenet
from .highway import HighwayLayer, HighwayNet, highway_net
from .inception import (Inception3, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE, InceptionOutputs,
                        inception_v3)
from .inception_resnet import (Block8, Block17, Block35, InceptionResNetV2, ReductionA, ReductionB,
                               inception_resnet_v2)
from .lenet import LeNet5, lenet5
from .mobile_blocks import ConvNormActivation, SqueezeExcitation, make_divisible
from .mobilenet import DepthwiseSeparable, InvertedResidual, MobileNetV1, MobileNetV2, mobilenet_v1, mobilenet_v2
from .mobilenet_v3 import InvertedResidualV3, MobileNetV3, mobilenet_v3_large, mobilenet_v3_small
from .nasnet import FactorizedReduce, NASNetA, NormalCell, ReductionCell, SeparableStack, nasnet_a_mobile
from .nin import MlpConv, NiN, nin
from .pyramidnet import PyramidBlock, PyramidNet, pyramidnet
from .registry import get_model, list_models, model_entry, register_model
from .resnet import (BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152,
                     resnext50_32x4d, wide_resnet50_2)
from .shufflenet import (ShuffleNetV2, ShuffleUnit, shufflenet_v2_x0_5, shufflenet_v2_x1_0, shufflenet_v2_x1_5,
                         shufflenet_v2_x2_0)
from .squeezenet import Fire, SqueezeNet, squeezenet1_0, squeezenet1_1
from .resnet_cifar import BuildingBlock, CifarResNet, ZeroPadShortcut, plain_cifar, resnet_cifar
from .vgg import VGG, make_features, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from .unet import DoubleConv, Down, UNet, Up, unet
from .vit import Encoder, EncoderBlock, MLPBlock, VisionTransformer, vit_b_16, vit_b_32, vit_l_16, vit_tiny_cifar
from .xception import SeparableConv2d, Xception, XceptionBlock, xception
from .zfnet import ZFNet, zfnet

__all__ = [name for name in dir() if not name.startswith("_")]
