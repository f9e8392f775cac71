"""A variational auto-encoder trained the way PyTorch's VAE example trains one: fc layers
784 → 400 → (mu, logvar) of 20 → 400 → 784, the reparameterisation trick with
`torch.randn_like`, the loss BCE(reduction="sum") + KL divergence, Adam at 1e-3, a test
pass under `torch.no_grad()` and samples decoded from `torch.randn`. The images are
synthetic 28x28 discs and squares (offline machines).

examples/torch/vae.py is the same program for PyTorch: only the imports differ.
"""

import argparse

import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


def shapes(count, seed):
    """Discs and squares at random places and sizes, in [0, 1]."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:28, :28]
    images = np.zeros((count, 1, 28, 28), dtype=np.float32)
    for image in images:
        r, c, size = rng.integers(8, 20), rng.integers(8, 20), rng.integers(3, 7)
        if rng.random() < 0.5:
            image[0] = ((rows - r) ** 2 + (cols - c) ** 2 <= size ** 2)
        else:
            image[0] = (abs(rows - r) <= size) & (abs(cols - c) <= size)
    return images


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    # KL(q(z|x) || N(0, I)) in closed form: -1/2 Σ (1 + log σ² - μ² - σ²)
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def main():
    parser = argparse.ArgumentParser(description="VAE example")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    train_loader = DataLoader(TensorDataset(torch.tensor(shapes(args.samples, 0))), batch_size=args.batch_size,
                              shuffle=True)
    test_loader = DataLoader(TensorDataset(torch.tensor(shapes(64, 1))), batch_size=args.batch_size)
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    for epoch in range(1, args.epochs + 1):
        model.train()
        train_loss = 0
        for (data,) in train_loader:
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        print(f"====> Epoch: {epoch} Average loss: {train_loss / len(train_loader.dataset):.4f}")

        model.eval()
        test_loss = 0
        with torch.no_grad():
            for (data,) in test_loader:
                recon_batch, mu, logvar = model(data)
                test_loss += loss_function(recon_batch, data, mu, logvar).item()
        print(f"====> Test set loss: {test_loss / len(test_loader.dataset):.4f}")

    with torch.no_grad():
        sample = model.decode(torch.randn(16, 20)).view(16, 1, 28, 28)
    print(f"samples {tuple(sample.shape)} in [{sample.min().item():.3f}, {sample.max().item():.3f}]")


if __name__ == "__main__":
    main()
