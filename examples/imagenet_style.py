"""An image classifier trained the way PyTorch's ImageNet example trains one, run as its
`--dummy` mode runs: `datasets.FakeData` images, a model picked by name from
`models.__dict__`, SGD with momentum and weight decay, `StepLR`, an `AverageMeter`, a
top-k `accuracy` helper built on `topk`, and a checkpoint dict (epoch, arch, state_dict,
best_acc1, optimizer, scheduler) saved each epoch and resumed with `--resume`.

examples/torch/imagenet_style.py is the same program for PyTorch and torchvision: only
the imports differ.
"""

import argparse
import os
import shutil

import minitorch_cnn as torch
import minitorch_cnn.nn as nn
import minitorch_cnn.optim as optim
import minitorch_cnn.vision.datasets as datasets
import minitorch_cnn.vision.models as models
import minitorch_cnn.vision.transforms as transforms
from minitorch_cnn.optim.lr_scheduler import StepLR
from minitorch_cnn.utils.data import DataLoader


class AverageMeter:
    def __init__(self, name):
        self.name, self.sum, self.count = name, 0.0, 0

    def update(self, value, n=1):
        self.sum += value * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def accuracy(output, target, topk=(1,)):
    """The top-k accuracies, in percent, as the ImageNet example computes them."""
    with torch.no_grad():
        maxk = max(topk)
        batch_size = target.size(0)
        _, pred = output.topk(maxk, 1, True, True)
        pred = pred.t()
        correct = pred.eq(target.view(1, -1).expand_as(pred))
        res = []
        for k in topk:
            correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
            res.append(correct_k.mul_(100.0 / batch_size))
        return res


def train(loader, model, criterion, optimizer):
    losses, top1 = AverageMeter("Loss"), AverageMeter("Acc@1")
    model.train()
    for images, target in loader:
        output = model(images)
        loss = criterion(output, target)
        acc1, = accuracy(output, target, topk=(1,))
        losses.update(loss.item(), images.size(0))
        top1.update(acc1[0].item(), images.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses.avg, top1.avg


def validate(loader, model, criterion):
    top1, top5 = AverageMeter("Acc@1"), AverageMeter("Acc@5")
    model.eval()
    with torch.no_grad():
        for images, target in loader:
            output = model(images)
            acc1, acc5 = accuracy(output, target, topk=(1, 5))
            top1.update(acc1[0].item(), images.size(0))
            top5.update(acc5[0].item(), images.size(0))
    return top1.avg, top5.avg


def save_checkpoint(state, is_best, filename):
    torch.save(state, filename)
    if is_best:
        shutil.copyfile(filename, os.path.join(os.path.dirname(filename), "model_best.pth.tar"))


def main():
    parser = argparse.ArgumentParser(description="ImageNet-style training on FakeData")
    parser.add_argument("--arch", default="resnet18")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--resume", default="")
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    torch.manual_seed(0)

    model = models.__dict__[args.arch](num_classes=10)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), args.lr, momentum=0.9, weight_decay=1e-4)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    start_epoch, best_acc1 = 0, 0.0
    if args.resume:
        checkpoint = torch.load(args.resume)
        start_epoch = checkpoint["epoch"]
        best_acc1 = checkpoint["best_acc1"]
        model.load_state_dict(checkpoint["state_dict"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        print(f"=> loaded checkpoint '{args.resume}' (epoch {start_epoch})")

    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize(mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25])])
    train_dataset = datasets.FakeData(args.samples, (3, 32, 32), 10, transform)
    val_dataset = datasets.FakeData(args.samples // 2, (3, 32, 32), 10, transform)
    train_loader = DataLoader(train_dataset, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_dataset, batch_size=args.batch_size, shuffle=False)

    for epoch in range(start_epoch, args.epochs):
        loss, train_acc1 = train(train_loader, model, criterion, optimizer)
        acc1, acc5 = validate(val_loader, model, criterion)
        scheduler.step()
        is_best = acc1 > best_acc1
        best_acc1 = max(acc1, best_acc1)
        save_checkpoint({"epoch": epoch + 1, "arch": args.arch, "state_dict": model.state_dict(),
                         "best_acc1": best_acc1, "optimizer": optimizer.state_dict(),
                         "scheduler": scheduler.state_dict()}, is_best,
                        os.path.join(args.out, "checkpoint.pth.tar"))
        print(f"Epoch {epoch}: loss {loss:.4f} train Acc@1 {train_acc1:.3f} "
              f"lr {scheduler.get_last_lr()[0]:.4f}  * Acc@1 {acc1:.3f} Acc@5 {acc5:.3f}")


if __name__ == "__main__":
    main()
