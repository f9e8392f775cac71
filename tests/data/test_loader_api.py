"""``DataLoader``'s PyTorch arguments in one process: samplers, batch samplers, unbatched
loading, iterable datasets, ``default_collate``'s rules (against PyTorch's where it is
installed), and the argument errors PyTorch raises, raised here too."""

import collections

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import data
from minitorch_cnn.utils import data as utils_data
from tests.helpers import host

Pair = collections.namedtuple("Pair", "x y")


def test_the_torch_utils_data_names_are_the_framework_s_objects():
    assert utils_data.DataLoader is data.DataLoader and mt.utils.data.TensorDataset is data.TensorDataset
    for name in utils_data.__all__:
        assert getattr(utils_data, name) is getattr(data, name)


@pytest.mark.parametrize("batch,dtype,values", [
    ([1, 2], "int64", [1, 2]),
    ([1, 2.5], "float32", [1.0, 2.5]),  # torch.tensor([1, 2.5]): the default float, not truncated
    ([2.5, 1], "float64", [2.5, 1.0]),
    ([True, False], "bool", [True, False]),
    ([np.float32(1.5), np.float32(2)], "float32", [1.5, 2.0]),
    ([np.int16(3), np.int16(4)], "int16", [3, 4]),
    ([True, 2], "int64", [1, 2]),  # torch.tensor([True, 2])
])
def test_default_collate_of_numbers(batch, dtype, values):
    collated = data.default_collate(batch)
    assert str(collated.dtype) == dtype and host(collated).tolist() == values


def test_default_collate_of_numbers_matches_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as theirs

    for batch in ([1, 2], [1, 2.5], [2.5, 1], [True, False], [True, 2], [np.float32(1.5), np.float32(2)]):
        ours, reference = data.default_collate(batch), theirs(batch)
        assert str(ours.dtype) == str(reference.dtype).replace("torch.", "")
        np.testing.assert_array_equal(host(ours), reference.numpy())
    assert torch  # imported for its default_collate


def test_default_collate_of_containers_matches_pytorch():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as theirs

    batch = [(1, 2.0, "a"), (3, 4.0, "b")]
    ours, reference = data.default_collate(batch), theirs(batch)
    assert type(ours) is type(reference) is list
    assert [host(t).tolist() for t in ours[:2]] == [t.tolist() for t in reference[:2]]
    assert list(ours[2]) == list(reference[2])  # the strings, as a sequence (PyTorch: the tuple zip made)


def test_default_collate_of_containers_and_strings():
    assert data.default_collate(["a", "b"]) == ["a", "b"] and data.default_collate([b"x", b"y"]) == [b"x", b"y"]
    pairs = data.default_collate([Pair(1, "one"), Pair(2, "two")])
    assert type(pairs) is Pair and host(pairs.x).tolist() == [1, 2] and pairs.y == ["one", "two"]
    nested = data.default_collate([{"image": np.zeros((2, 2)), "tags": [1, 2.0]}] * 3)
    assert nested["image"].shape == (3, 2, 2) and [host(t).tolist() for t in nested["tags"]] == [[1, 1, 1],
                                                                                                 [2.0, 2.0, 2.0]]


@pytest.mark.parametrize("batch,error,message", [
    ([1, "b"], TypeError, "cannot collate int samples with str ones"),
    ([object()], TypeError, "cannot collate samples of type object"),
    ([(1, 2), (1,)], ValueError, "samples have different numbers of fields"),
    ([], ValueError, "the batch is empty"),
    ("ab", TypeError, "batch must be a list of samples, got str"),
])
def test_default_collate_refuses_what_it_cannot_stack(batch, error, message):
    with pytest.raises(error, match=message):
        data.default_collate(batch)


def test_samplers_give_pytorch_s_orders():
    dataset = list(range(10))
    assert list(data.SequentialSampler(dataset)) == list(range(10))
    mt.manual_seed(3)
    order = list(data.RandomSampler(dataset))
    assert sorted(order) == list(range(10))
    mt.manual_seed(3)
    assert list(data.RandomSampler(dataset)) == order  # the framework's generator
    drawn = list(data.RandomSampler(dataset, replacement=True, num_samples=25, generator=np.random.default_rng(1)))
    assert len(drawn) == 25 and set(drawn) <= set(range(10))
    longer = list(data.RandomSampler(dataset, num_samples=15))
    assert len(longer) == 15 and sorted(longer[:10]) == list(range(10))  # a whole permutation first
    subset = list(data.SubsetRandomSampler([7, 3, 5]))
    assert sorted(subset) == [3, 5, 7]
    weighted = list(data.WeightedRandomSampler([0, 0, 1.0, 0], 6))
    assert weighted == [2] * 6
    unique = list(data.WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False))
    assert sorted(unique) == [0, 1, 2]
    assert list(data.BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(data.BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(data.BatchSampler(range(7), 3, drop_last=False)) == 3 and len(data.BatchSampler(range(7), 3, True)) == 2


def test_shuffle_draws_the_order_it_always_drew():
    """shuffle=True is one permutation from the framework's generator per epoch, as before
    samplers existed: a resumed run keeps its order."""
    loader = data.DataLoader(data.TensorDataset(np.arange(20)), batch_size=20, shuffle=True)
    mt.manual_seed(5)
    (batch,) = [b for (b,) in loader]
    assert host(batch).tolist() == _permutation_after_seed(5)
    assert loader.shuffle and isinstance(loader.sampler, data.RandomSampler)


def _permutation_after_seed(seed):
    mt.manual_seed(seed)
    return mt.backend.default_rng.generator.permutation(20).tolist()


def test_sampler_batch_sampler_and_unbatched_loading():
    dataset = data.TensorDataset(np.arange(6) * 10)
    loader = data.DataLoader(dataset, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [host(b).tolist() for (b,) in loader] == [[50, 40], [30, 20], [10, 0]] and len(loader) == 3
    loader = data.DataLoader(dataset, batch_sampler=[[0], [1, 2, 3], [5, 4]])
    assert [host(b).tolist() for (b,) in loader] == [[0], [10, 20, 30], [50, 40]] and len(loader) == 3
    unbatched = data.DataLoader(data.TensorDataset(np.arange(3)), batch_size=None)
    assert [host(b).tolist() for (b,) in unbatched] == [0, 1, 2] and len(unbatched) == 3
    arrays = list(data.DataLoader([np.ones(2), np.zeros(2)], batch_size=None))
    assert all(isinstance(a, mt.Tensor) and a.shape == (2,) for a in arrays)


class Endless(data.IterableDataset):
    def __iter__(self):
        return iter(range(5))


def test_an_iterable_dataset_without_len():
    loader = data.DataLoader(Endless(), batch_size=2)
    assert [host(b).tolist() for b in list(loader)] == [[0, 1], [2, 3], [4]]  # list() asks len() first
    with pytest.raises(TypeError, match="the IterableDataset Endless has no len"):
        len(loader)


class Countdown(data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n, 0, -1))

    def __len__(self):
        return self.n


def test_an_iterable_dataset_is_read_as_a_stream():
    loader = data.DataLoader(Countdown(5), batch_size=2)
    assert [host(b).tolist() for b in loader] == [[5, 4], [3, 2], [1]] and len(loader) == 3
    assert [host(b).tolist() for b in data.DataLoader(Countdown(5), batch_size=2, drop_last=True)] == [[5, 4], [3, 2]]
    assert [b for b in data.DataLoader(Countdown(2), batch_size=None)] == [2, 1]
    with pytest.raises(TypeError, match="is read by iterating, not by index"):
        Countdown(2)[0]


@pytest.mark.parametrize("arguments,error,message", [
    (dict(shuffle=True, sampler=[0, 1]), ValueError, "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(num_workers=-1), ValueError, "num_workers must be an int >= 0, got -1"),
    (dict(timeout=-1), ValueError, "timeout option should be non-negative, got -1"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified in multiprocessing"),
    (dict(persistent_workers=True), ValueError, "persistent_workers option needs num_workers > 0"),
    (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables auto-batching"),
    (dict(collate_fn=3), TypeError, "collate_fn must be callable or None, got int"),
    (dict(shuffle="yes"), TypeError, "shuffle must be a bool, got str"),
])
def test_loader_arguments_are_checked_as_pytorch_checks_them(arguments, error, message):
    with pytest.raises(error, match=message):
        data.DataLoader(data.TensorDataset(np.arange(3)), **arguments)


def test_an_iterable_dataset_refuses_orders():
    with pytest.raises(ValueError, match="expected unspecified shuffle, sampler and batch_sampler"):
        data.DataLoader(Countdown(3), shuffle=True)
