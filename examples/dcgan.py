"""A DCGAN trained the way PyTorch's DCGAN example trains one: `weights_init` through
`m.weight.data`, ConvTranspose2d generator, BatchNorm2d, LeakyReLU, BCELoss against labels
made with `torch.full`, Adam with betas (0.5, 0.999), `fake.detach()` for the
discriminator's step. The "real" images are synthetic 16x16 blobs (offline machines).

examples/torch/dcgan.py is the same program for PyTorch: only the imports differ.
"""

import argparse

import numpy as np

import minitorch_cnn as torch
import minitorch_cnn.nn as nn
import minitorch_cnn.optim as optim

nz, ngf, ndf = 8, 16, 16


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),  # 4x4
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),  # 8x8
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),  # 16x16
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),  # 8x8
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),  # 4x4
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


def real_images(count, seed):
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(np.arange(16), np.arange(16), indexing="ij"))
    centres = rng.uniform(4, 12, (count, 2, 1, 1))
    blobs = np.exp(-((grid[None] - centres) ** 2).sum(1) / 8.0)
    return torch.tensor((2 * blobs - 1)[:, None].astype(np.float32))


def main(argv=None):
    parser = argparse.ArgumentParser(description="DCGAN on synthetic blobs")
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    data = real_images(args.iterations * args.batch_size, args.seed).to(device)
    netG, netD = Generator().to(device), Discriminator().to(device)
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCELoss()
    fixed_noise = torch.randn(4, nz, 1, 1, device=device)
    real_label, fake_label = 1.0, 0.0
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

    for i in range(args.iterations):
        real = data[i * args.batch_size:(i + 1) * args.batch_size]
        # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        label = torch.full((args.batch_size,), real_label, dtype=torch.float, device=device)
        output = netD(real)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.randn(args.batch_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optimizerD.step()
        # (2) update G: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z = output.mean().item()
        optimizerG.step()
        if i % 10 == 0:
            print(f"[{i}/{args.iterations}] Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f} D(x): {D_x:.4f} "
                  f"D(G(z)): {D_G_z:.4f}")
    with torch.no_grad():
        samples = netG(fixed_noise).detach().cpu()
    print(f"samples {tuple(samples.shape)} in [{samples.min().item():.2f}, {samples.max().item():.2f}]")
    return errD.item(), errG.item(), tuple(samples.shape)


if __name__ == "__main__":
    main()
