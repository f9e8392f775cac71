"""The CIFAR-10 "Training a Classifier" tutorial's program: its Net, CrossEntropyLoss, SGD
with momentum, a running loss, `torch.max(outputs.data, 1)` and the accuracy per class.
The images are synthetic (these machines are offline): 32x32 colour noise whose class is
the colour of a tinted 16x16 quadrant.

examples/torch/cifar_classifier.py is the same program for PyTorch: only the imports differ.
"""

import argparse

import numpy as np

import minitorch_cnn as torch
import minitorch_cnn.nn as nn
import minitorch_cnn.nn.functional as F
import minitorch_cnn.optim as optim
from minitorch_cnn.utils.data import DataLoader, TensorDataset

classes = ("red", "green", "blue", "dark")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, len(classes))

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def synthetic_images(count, seed):
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, 0.5, (count, 3, 32, 32)).astype(np.float32)
    labels = rng.integers(0, len(classes), count)
    corners = rng.integers(0, 4, count)
    for i, (label, corner) in enumerate(zip(labels, corners)):
        top, left = 16 * (corner // 2), 16 * (corner % 2)
        if label < 3:
            images[i, label, top:top + 16, left:left + 16] += 1.5
        else:
            images[i, :, top:top + 16, left:left + 16] -= 1.5
    return torch.tensor(images), torch.tensor(labels)


def main(argv=None):
    parser = argparse.ArgumentParser(description="the CIFAR-10 tutorial's classifier on synthetic images")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    trainloader = DataLoader(TensorDataset(*synthetic_images(args.samples, args.seed)), batch_size=4, shuffle=True)
    testloader = DataLoader(TensorDataset(*synthetic_images(args.samples // 4, args.seed + 1)), batch_size=4)

    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

    for epoch in range(args.epochs):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        print(f"[{epoch + 1}] loss: {running_loss / len(trainloader):.3f}")

    correct = total = 0
    correct_pred = {name: 0 for name in classes}
    total_pred = {name: 0 for name in classes}
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
            for label, prediction in zip(labels, predicted):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    for name, count in correct_pred.items():
        print(f"Accuracy for class: {name:5s} is {100 * count / max(total_pred[name], 1):.1f} %")
    print(f"Accuracy of the network on the {total} test images: {100 * correct // total} %")
    return correct / total


if __name__ == "__main__":
    main()
