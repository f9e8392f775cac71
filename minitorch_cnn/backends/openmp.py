"""``backends.openmp``: OpenMP threading (our CPU kernels use Numba's threads), which this framework does not have."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
