"""Benchmarks of minitorch_cnn's kernels, side by side with the reference kernels and with
PyTorch when it is installed. Run from the repository root: ``python -m benchmarks conv``."""
