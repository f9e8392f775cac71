"""``backends.mkldnn``: oneDNN (PyTorch's CPU kernels), which this framework does not have."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
