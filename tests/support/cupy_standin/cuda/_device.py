"""``cupy.cuda.Device`` for the stand-in's one device (id 0): a context manager that
switches the current device, as CuPy's; any other id fails when used, as on a one-GPU
machine."""

import threading

from . import runtime

_local = threading.local()


class Device:
    """A CUDA device; ``Device()`` is the current one."""

    def __init__(self, device=None):
        if device is None:
            device = runtime.getDevice()
        elif isinstance(device, Device):
            device = device.id
        elif not isinstance(device, int) or isinstance(device, bool):
            raise TypeError(f"device must be an int or a Device, got {type(device)}")
        self._id = int(device)

    @property
    def id(self) -> int:
        return self._id

    def use(self) -> None:
        runtime.setDevice(self._id)

    def synchronize(self) -> None:
        runtime._check_device(self._id)

    @property
    def compute_capability(self) -> str:
        properties = runtime.getDeviceProperties(self._id)
        return f"{properties['major']}{properties['minor']}"

    @property
    def mem_info(self) -> tuple:
        runtime._check_device(self._id)
        return runtime.memGetInfo()

    @property
    def pci_bus_id(self) -> str:
        runtime._check_device(self._id)
        return "0000:00:00.0"

    @property
    def attributes(self) -> dict:
        properties = runtime.getDeviceProperties(self._id)
        return {
            "MaxThreadsPerBlock": properties["maxThreadsPerBlock"],
            "MaxBlockDimX": properties["maxThreadsDim"][0],
            "MaxBlockDimY": properties["maxThreadsDim"][1],
            "MaxBlockDimZ": properties["maxThreadsDim"][2],
            "MaxGridDimX": properties["maxGridSize"][0],
            "MaxGridDimY": properties["maxGridSize"][1],
            "MaxGridDimZ": properties["maxGridSize"][2],
            "MaxSharedMemoryPerBlock": properties["sharedMemPerBlock"],
            "MaxSharedMemoryPerBlockOptin": properties["sharedMemPerBlockOptin"],
            "WarpSize": properties["warpSize"],
            "MultiProcessorCount": properties["multiProcessorCount"],
            "ComputeCapabilityMajor": properties["major"],
            "ComputeCapabilityMinor": properties["minor"],
        }

    def __enter__(self):
        previous = runtime.getDevice()
        self.use()  # an invalid device fails before anything is pushed
        _local.__dict__.setdefault("stack", []).append(previous)
        return self

    def __exit__(self, *exc_info):
        runtime.setDevice(_local.stack.pop())

    def __eq__(self, other):
        if not isinstance(other, Device):
            return NotImplemented
        return self._id == other._id

    def __hash__(self):
        return hash(("Device", self._id))

    def __repr__(self):
        return f"<CUDA Device {self._id}>"


def get_device_id() -> int:
    return runtime.getDevice()
