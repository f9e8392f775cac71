"""Training small networks on the shipped digits, the same way for every experiment that
compares two designs: the same data, seed, optimizer and number of epochs for both, so
that the one difference is the design."""

from __future__ import annotations

import dataclasses
import math

from .. import backend
from ..autograd.grad_mode import no_grad
from ..data import DataLoader, load_dataset
from ..data import transforms as T
from ..ops.loss import cross_entropy


@dataclasses.dataclass
class Curve:
    """Per-epoch training loss and accuracy, test loss and accuracy (NaN once diverged)."""

    train_loss: list
    train_accuracy: list
    test_loss: list
    test_accuracy: list

    @property
    def final_gap(self) -> float:
        """Train accuracy minus test accuracy after the last epoch: how much it overfits."""
        return self.train_accuracy[-1] - self.test_accuracy[-1]


_DATA: dict = {}


def digits(train: bool, flatten: bool = False):
    """The shipped digits as (N, 1, 32, 32) float tensors in [0, 1] (loaded once)."""
    key = (train, flatten)
    if key not in _DATA:
        transform = T.Compose([T.ToTensor(), T.Lambda(lambda x: x.reshape(-1))]) if flatten else T.ToTensor()
        _DATA[key] = load_dataset("digits", train=train, transform=transform)
    return _DATA[key]


def evaluate(model, dataset, device: str) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` in eval mode on ``dataset``."""
    was_training = model.training
    model.eval()
    loss = correct = count = 0.0
    with no_grad():
        for images, labels in DataLoader(dataset, batch_size=256, device=device):
            scores = model(images)
            loss += float(cross_entropy(scores, labels, reduction="sum").item())
            correct += int((scores.argmax(1) == labels).sum().item())
            count += labels.shape[0]
    model.train(was_training)
    return loss / count, correct / count


def train(model, make_optimizer, epochs: int, seed: int, device: str = "cpu", flatten: bool = False,
          batch_size: int = 32, progress: str | None = None, train_subset: int | None = None) -> Curve:
    """Train ``model`` on the digits for ``epochs`` with ``make_optimizer(parameters)``,
    seeded by ``seed`` (the shuffling, and the model's initialisation if it is built after
    seeding by the caller); stops early, with NaN, if the loss stops being finite.
    ``train_subset`` keeps the first that many training images (to make overfitting visible)."""
    from tqdm import tqdm

    from ..data import Subset

    backend.manual_seed(seed)
    training = digits(True, flatten)
    if train_subset is not None:
        training = Subset(training, list(range(min(train_subset, len(training)))))
    testing = digits(False, flatten)
    model.to(device).train()
    optimizer = make_optimizer(model.parameters())
    curve = Curve([], [], [], [])
    for _ in tqdm(range(epochs), desc=progress, unit="epoch", leave=False, disable=progress is None):
        for images, labels in DataLoader(training, batch_size=batch_size, shuffle=True, device=device):
            optimizer.zero_grad()
            loss = cross_entropy(model(images), labels)
            if not math.isfinite(float(loss.item())):
                break
            loss.backward()
            optimizer.step()
        train_loss, train_accuracy = evaluate(model, training, device)
        test_loss, test_accuracy = evaluate(model, testing, device)
        for series, value in zip((curve.train_loss, curve.train_accuracy, curve.test_loss, curve.test_accuracy),
                                 (train_loss, train_accuracy, test_loss, test_accuracy)):
            series.append(value if math.isfinite(train_loss) else math.nan)
        if not math.isfinite(train_loss):
            break
    while len(curve.test_accuracy) < epochs:  # diverged: the remaining epochs are NaN too
        for series in (curve.train_loss, curve.train_accuracy, curve.test_loss, curve.test_accuracy):
            series.append(math.nan)
    return curve
