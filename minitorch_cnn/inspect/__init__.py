"""Tools for studying a model layer by layer: ``summary`` (the per-layer table of output
shapes, parameters, multiply-accumulates and activation memory) and
``activation_statistics`` (activation mean/std/zeros and gradient norms per layer), and
``profile`` (the time a block spends per op, per kernel and in the optimizer), and
``receptive_field`` / ``measured_receptive_field`` (which input pixels an output unit
sees: the closed form, and measured by backpropagation), and what a network looks at
(``attribution``: saliency, guided backpropagation, class activation maps, occlusion,
first-layer filters, feature maps; ``deconvnet``: Zeiler and Fergus's reconstruction of
what a unit responds to)."""

from .attribution import (class_activation_map, feature_maps, filter_grid, guided_backprop,
                          model_class_activation_map, occlusion, saliency)
from .deconvnet import deconv_layers, deconvnet
from .activations import INIT_SCHEMES, LayerStats, activation_statistics, reinitialize_
from .profile import Profile, profile
from .receptive_field import ReceptiveField, measured_receptive_field, receptive_field
from .summary import LayerRow, ModelSummary, count_macs, parse_input_size, summary

__all__ = ["LayerRow", "ModelSummary", "count_macs", "parse_input_size", "summary", "LayerStats",
           "activation_statistics", "reinitialize_", "INIT_SCHEMES", "Profile", "profile", "ReceptiveField",
           "receptive_field", "measured_receptive_field", "saliency", "guided_backprop", "class_activation_map",
           "model_class_activation_map", "occlusion", "filter_grid", "feature_maps", "deconvnet", "deconv_layers"]
