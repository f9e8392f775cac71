"""``DataLoader(num_workers=N)``: real worker processes give the batches one process gives,
in order; they are seeded as PyTorch seeds them; ``worker_init_fn``, ``get_worker_info``,
persistent workers, errors, a dying worker and timeouts behave as PyTorch documents."""

import os
import random
import time

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import data
from tests.helpers import host


def batches(loader):
    return [tuple(host(t).tolist() for t in b) if isinstance(b, (tuple, list)) else host(b).tolist() for b in loader]


class Seeds(data.Dataset):
    """Each sample: its index, the worker's pid, and a draw from each generator a worker seeds."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        info = data.get_worker_info()
        return index, os.getpid(), mt.rand(1).item(), random.random(), float(np.random.random()), info.seed


def test_workers_give_the_batches_one_process_gives_in_order():
    dataset = data.TensorDataset(np.arange(23), np.arange(23) * 0.5)
    for shuffle in (False, True):
        mt.manual_seed(1)
        alone = batches(data.DataLoader(dataset, batch_size=4, shuffle=shuffle))
        mt.manual_seed(1)
        # the order is drawn before the workers' base seed: the same order with workers
        together = batches(data.DataLoader(dataset, batch_size=4, shuffle=shuffle, num_workers=2, prefetch_factor=1))
        assert together == alone and len(together) == 6


def test_workers_are_separate_processes_seeded_from_one_base_seed():
    mt.manual_seed(0)
    first = list(data.DataLoader(Seeds(), batch_size=2, num_workers=2))
    pids = {int(p) for (_, batch_pids, *_rest) in first for p in host(batch_pids)}
    assert len(pids) == 2 and os.getpid() not in pids
    mt.manual_seed(0)
    again = list(data.DataLoader(Seeds(), batch_size=2, num_workers=2))
    for a, b in zip(first, again):  # the same seed: the same draws in every generator
        for field in (2, 3, 4):
            assert host(a[field]).tolist() == host(b[field]).tolist()
    # batches 0 and 1 come from workers 0 and 1, seeded base + 0 and base + 1: different
    assert host(first[0][2]).tolist() != host(first[1][2]).tolist()
    # worker i seeds the framework's generator, random and NumPy from its seed, base + i
    (*_, seed0), (_, _, draw1, py1, np1, seed1) = first[0], first[1]
    seed0, seed1 = int(host(seed0)[0]), int(host(seed1)[0])
    assert seed1 == seed0 + 1
    mt.manual_seed(seed1)
    assert host(draw1)[0] == pytest.approx(mt.rand(1).item())
    assert host(py1)[0] == pytest.approx(random.Random(seed1).random())
    assert host(np1)[0] == pytest.approx(np.random.RandomState(seed1 % 2**32).random_sample())
    # a new epoch, new seeds (an unshuffled loader leaves the generator's state as it was)
    loader = data.DataLoader(Seeds(), batch_size=2, num_workers=2)
    seeds = [{int(host(batch[5])[0]) for batch in loader} for _ in range(2)]
    assert seeds[0] != seeds[1]


def test_with_or_without_workers_every_epoch_reads_the_same_order():
    dataset = data.TensorDataset(np.arange(12))
    orders = []
    for workers in (0, 2):
        mt.manual_seed(4)
        loader = data.DataLoader(dataset, batch_size=5, shuffle=True, num_workers=workers)
        orders.append([[host(b).tolist() for (b,) in loader] for _epoch in range(3)])
    assert orders[0] == orders[1] and orders[0][0] != orders[0][1]


def _record_worker(worker_id):
    info = data.get_worker_info()
    assert info.id == worker_id and info.num_workers == 2
    os.environ["MINITORCH_TEST_WORKER"] = f"{worker_id}:{info.seed}"


class WhoLoads(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return os.environ.get("MINITORCH_TEST_WORKER", "")


def test_worker_init_fn_and_get_worker_info_run_in_each_worker():
    assert data.get_worker_info() is None
    loaded = [s for batch in data.DataLoader(WhoLoads(), batch_size=1, num_workers=2,
                                             worker_init_fn=_record_worker) for s in batch]
    ids = sorted({s.split(":")[0] for s in loaded})
    seeds = sorted(int(s.split(":")[1]) for s in set(loaded))
    assert ids == ["0", "1"] and seeds[1] == seeds[0] + 1


class Shards(data.IterableDataset):
    def __iter__(self):
        info = data.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, 9, step))


def test_an_iterable_dataset_is_read_in_shards_round_robin():
    got = batches(data.DataLoader(Shards(), batch_size=2, num_workers=2))
    # worker 0 reads 0 2 4 6 8, worker 1 reads 1 3 5 7; batches alternate between them
    assert got == [[0, 2], [1, 3], [4, 6], [5, 7], [8]]
    assert sorted(v for b in got for v in b) == list(range(9))


def test_persistent_workers_keep_their_processes_across_epochs():
    loader = data.DataLoader(Seeds(), batch_size=4, num_workers=2, persistent_workers=True)
    first = {int(p) for (_, pids, *_r) in loader for p in host(pids)}
    for _ in loader:  # an epoch left early: its leftover batches must not reach the next one
        break
    second = [host(index).tolist() for (index, pids, *_r) in loader]
    assert second == [[0, 1, 2, 3], [4, 5, 6, 7]]
    third = {int(p) for (_, pids, *_r) in loader for p in host(pids)}
    assert first == third and len(first) == 2
    loader._pool.shutdown()


class Failing(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        if index == 2:
            raise KeyError("sample 2 is missing")
        return index


def test_a_worker_s_exception_is_raised_in_the_loop_with_its_traceback():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0") as caught:
        list(data.DataLoader(Failing(), batch_size=1, num_workers=2))
    assert "sample 2 is missing" in str(caught.value) and "__getitem__" in str(caught.value)


class Dying(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        if index == 1:
            os._exit(7)  # as a worker killed by the system
        return index


def test_a_dying_worker_ends_the_iteration_with_a_named_error():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+ exit code 7\) exited unexpectedly"):
        list(data.DataLoader(Dying(), batch_size=1, num_workers=2))


class Slow(data.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        time.sleep(30)
        return index


def test_timeout_bounds_the_wait_for_a_batch():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 1.0 seconds"):
        list(data.DataLoader(Slow(), batch_size=1, num_workers=1, timeout=1))
    assert time.monotonic() - start < 10


def test_workers_put_the_batches_on_the_loader_s_device_and_keep_custom_collation():
    loader = data.DataLoader(data.TensorDataset(np.arange(4)), batch_size=2, num_workers=2,
                             collate_fn=lambda samples: [int(s[0]) for s in samples])
    assert list(loader) == [[0, 1], [2, 3]]
    (first, *_), *_ = list(data.DataLoader(data.TensorDataset(np.arange(4)), batch_size=2, num_workers=1))
    assert isinstance(first, mt.Tensor) and first.device == mt.get_default_device()


class BrokenStream(data.IterableDataset):
    def __iter__(self):
        raise OSError("the stream's file is gone")


def test_an_iterable_dataset_that_fails_to_start_reports_its_error():
    with pytest.raises(OSError, match="(?s)Caught OSError in DataLoader worker process .*the stream's file is gone"):
        list(data.DataLoader(BrokenStream(), batch_size=2, num_workers=2))


def test_a_failing_worker_init_fn_reports_its_error():
    def broken_init(worker_id):
        raise ValueError(f"no setup for worker {worker_id}")

    with pytest.raises(ValueError, match="no setup for worker"):
        list(data.DataLoader(Shards(), batch_size=2, num_workers=1, worker_init_fn=broken_init))


class Unpicklable(data.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        return lambda: index  # a lambda cannot travel between processes


def test_a_batch_that_cannot_be_pickled_is_an_error_not_a_hang():
    with pytest.raises(Exception, match="Caught .* in DataLoader worker process"):
        list(data.DataLoader(Unpicklable(), batch_size=1, num_workers=1, collate_fn=lambda samples: samples,
                             timeout=20))


class Big(data.Dataset):
    def __len__(self):
        return 64

    def __getitem__(self, index):
        return np.zeros(32_768, dtype=np.float32)  # 128 KB: more than a pipe holds


def test_leaving_an_epoch_early_stops_the_workers_at_once():
    loader = data.DataLoader(Big(), batch_size=1, num_workers=2, prefetch_factor=4)
    start = time.monotonic()
    for _ in loader:
        break
    assert time.monotonic() - start < 3  # was 10 s: each worker waited to flush its results


def test_an_error_comes_in_its_batch_s_turn():
    got = []
    with pytest.raises(KeyError):
        for (value,) in data.DataLoader(Failing(), batch_size=1, num_workers=2, collate_fn=lambda s: s):
            got.append(value)
    assert got == [0, 1]  # the batches before the failing one were yielded first


def test_a_second_iteration_over_persistent_workers_ends_the_first_clearly():
    loader = data.DataLoader(Seeds(), batch_size=2, num_workers=1, persistent_workers=True)
    first = iter(loader)
    next(first)
    assert len(list(loader)) == 4
    with pytest.raises(RuntimeError, match="a new iteration over this loader's persistent workers started"):
        next(first)
    loader._pool.shutdown()
