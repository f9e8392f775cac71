"""Test support code that is not a test: the CuPy stand-in, the host build of the CUDA
kernels, and the helpers that put them in place."""
