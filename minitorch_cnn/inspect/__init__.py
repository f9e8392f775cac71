"""Tools for studying a model layer by layer: ``summary`` (the per-layer table of output
shapes, parameters, multiply-accumulates and activation memory)."""

from .summary import LayerRow, ModelSummary, count_macs, parse_input_size, summary

__all__ = ["LayerRow", "ModelSummary", "count_macs", "parse_input_size", "summary"]
