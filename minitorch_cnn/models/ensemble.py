"""``Ensemble``: several trained models predicting together.

Two ways to combine members: average their logits and take the softmax of the average
(``combine="logits"``, the default — the lecture notes' better choice: a confident member
counts by how confident it is, and the result is itself a softmax of a linear score), or
average their probabilities (``combine="probabilities"``). Either way ``forward`` returns
scores in log space — the averaged logits, or the log of the averaged probabilities — so
``argmax``, ``F.cross_entropy`` and ``train.evaluate`` use an ensemble like any model;
``predict_proba`` gives the probabilities. Members are put in evaluation mode with the
ensemble.
"""

from __future__ import annotations

import math

from .. import nn
from ..nn import functional as F
from ..ops import stack
from ..ops.softmax import logsumexp


class Ensemble(nn.Module):
    """The average of its members' outputs: of their logits (``combine="logits"``), or of
    their softmax probabilities (``combine="probabilities"``)."""

    def __init__(self, models, combine: str = "logits"):
        super().__init__()
        self.members = nn.ModuleList(models)
        if len(self.members) == 0:
            raise ValueError("Ensemble: give at least one model")
        if combine not in ("logits", "probabilities"):
            raise ValueError(f"Ensemble: combine must be 'logits' or 'probabilities', got {combine!r}")
        self.combine = combine

    def forward(self, x):
        outputs = [m(x) for m in self.members]
        outputs = [o[0] if isinstance(o, tuple) else o for o in outputs]  # the main head of auxiliary-head models
        if any(o.shape != outputs[0].shape for o in outputs):
            raise ValueError(f"Ensemble: members disagree on the output shape: {[list(o.shape) for o in outputs]}")
        scores = stack(outputs, 0)  # (members, N, classes, ...)
        if self.combine == "logits":
            return scores.mean(0)
        # log of the mean probability, kept stable: logsumexp of the members' log-probabilities
        return logsumexp(F.log_softmax(scores, 2), 0) - math.log(len(outputs))

    def predict_proba(self, x):
        return F.softmax(self(x), 1)
