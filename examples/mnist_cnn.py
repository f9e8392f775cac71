"""A CNN trained the way PyTorch's MNIST example trains one: DataLoader with worker
processes, log_softmax + nll_loss, a StepLR schedule, `pred.eq(target.view_as(pred))`,
`torch.save(model.state_dict())`. The images are synthetic (these machines are offline):
28x28 noise with a bright 7x7 square in one of ten places, the square's place the label.

examples/torch/mnist_cnn.py is the same program for PyTorch: only the imports differ.
"""

import argparse
import os
import tempfile

import numpy as np

import minitorch_cnn as torch
import minitorch_cnn.nn as nn
import minitorch_cnn.nn.functional as F
import minitorch_cnn.optim as optim
from minitorch_cnn.optim.lr_scheduler import StepLR
from minitorch_cnn.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(16 * 12 * 12, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def synthetic_digits(count, seed):
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, 0.3, (count, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, count)
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 5)
        images[i, 0, 4 + 10 * row:11 + 10 * row, 1 + 5 * col:8 + 5 * col] += 1.0
    return torch.tensor(images), torch.tensor(labels)


def train(model, device, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
    print(f"Train Epoch: {epoch}\tLoss: {loss.item():.6f}")


def test(model, device, loader):
    model.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(loader.dataset)
    accuracy = correct / len(loader.dataset)
    print(f"Test set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(loader.dataset)} ({100 * accuracy:.0f}%)")
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description="MNIST-style CNN on synthetic digits")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--num-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_set = TensorDataset(*synthetic_digits(args.samples, args.seed))
    test_set = TensorDataset(*synthetic_digits(args.samples // 4, args.seed + 1))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.num_workers)
    test_loader = DataLoader(test_set, batch_size=256, num_workers=args.num_workers)

    model = Net().to(device)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(model, device, train_loader, optimizer, epoch)
        accuracy = test(model, device, test_loader)
        scheduler.step()
    with tempfile.TemporaryDirectory() as folder:
        torch.save(model.state_dict(), os.path.join(folder, "mnist_cnn.pt"))
    return accuracy


if __name__ == "__main__":
    main()
