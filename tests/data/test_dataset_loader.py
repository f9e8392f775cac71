"""Dataset containers, random_split and the DataLoader: batching, shuffling with the
global seed, drop_last, collation to tensors on the device, and their errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn import data
from tests.helpers import host


def test_tensor_dataset_subset_and_concat_index_like_lists():
    x, y = mt.arange(10).reshape(5, 2), np.arange(5) * 10
    dataset = data.TensorDataset(x, y)
    assert len(dataset) == 5 and dataset[-1][1] == 40 and dataset[2][0].tolist() == [4, 5]
    subset = data.Subset(dataset, [4, 0])
    assert [subset[i][1] for i in range(2)] == [40, 0]
    both = dataset + subset
    assert len(both) == 7 and [both[i][1] for i in (4, 5, 6)] == [40, 40, 0]
    with pytest.raises(IndexError, match="index 7 out of range for 7"):
        both[7]
    with pytest.raises(ValueError, match="same first dim, got sizes \\[5, 4\\]"):
        data.TensorDataset(x, y[:4])


@given(total=st.integers(1, 60), parts=st.integers(1, 4), seed=st.integers(0, 1000))
def test_random_split_partitions_the_dataset_by_counts_or_fractions(total, parts, seed):
    dataset = data.TensorDataset(np.arange(total))
    fractions = [1 / parts] * parts
    mt.manual_seed(seed)
    subsets = data.random_split(dataset, fractions)
    seen = [s[i][0] for s in subsets for i in range(len(s))]
    assert sorted(seen) == list(range(total))
    sizes = [len(s) for s in subsets]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
    mt.manual_seed(seed)
    again = data.random_split(dataset, fractions)
    assert [a.indices for a in again] == [s.indices for s in subsets]
    counts = data.random_split(dataset, [total - total // 2, total // 2])
    assert [len(s) for s in counts] == [total - total // 2, total // 2]


def test_random_split_rejects_lengths_that_do_not_add_up():
    dataset = data.TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match="sum to 9, not the dataset's 10"):
        data.random_split(dataset, [4, 5])
    with pytest.raises(ValueError, match="fractions must sum to 1"):
        data.random_split(dataset, [0.5, 0.2])


@given(n=st.integers(1, 40), batch=st.integers(1, 12), drop_last=st.booleans(), shuffle=st.booleans())
def test_loader_batches_cover_the_dataset_once(n, batch, drop_last, shuffle):
    loader = data.DataLoader(data.TensorDataset(np.arange(n), np.arange(n) * 2.0), batch_size=batch,
                             shuffle=shuffle, drop_last=drop_last)
    batches = list(loader)
    assert len(batches) == len(loader) == (n // batch if drop_last else -(-n // batch))
    values = np.concatenate([host(b[0]) for b in batches]) if batches else np.array([], int)
    assert all(b[0].shape[0] == batch for b in batches[:-1])
    if drop_last:
        assert len(values) == (n // batch) * batch
    else:
        assert sorted(values.tolist()) == list(range(n))
    if not shuffle:
        assert values.tolist() == list(range(len(values)))
    for b in batches:
        assert b[0].dtype == mt.int64 and b[1].dtype == mt.float64
        np.testing.assert_array_equal(host(b[1]), host(b[0]) * 2.0)


def test_batches_go_to_the_default_device_of_the_moment_unless_a_device_is_given(standin_cuda):
    dataset = data.TensorDataset(np.arange(4.0), np.arange(4))
    follows, pinned = data.DataLoader(dataset, batch_size=2), data.DataLoader(dataset, batch_size=2, device="cpu")
    mt.set_default_device("cpu")
    assert [b[0].device.type for b in follows] == ["cpu", "cpu"]
    mt.set_default_device("cuda")  # after the loader was built: its next batches follow
    assert [b[0].device.type for b in follows] == ["cuda", "cuda"] and follows.device.type == "cuda"
    assert [b[0].device.type for b in pinned] == ["cpu", "cpu"]
    assert data.default_collate([np.zeros(2), np.ones(2)]).device.type == "cuda"
    np.testing.assert_array_equal(host(next(iter(follows))[0]), [0.0, 1.0])


def test_shuffling_follows_the_global_seed_and_changes_each_epoch():
    loader = data.DataLoader(data.TensorDataset(np.arange(20)), batch_size=20, shuffle=True)
    mt.manual_seed(3)
    first, second = next(iter(loader))[0].tolist(), next(iter(loader))[0].tolist()
    mt.manual_seed(3)
    assert next(iter(loader))[0].tolist() == first
    assert first != second and sorted(first) == list(range(20))


def test_collate_stacks_images_and_ints_on_the_device(device):
    samples = [(np.full((1, 2, 2), i, np.float32), i) for i in range(3)]
    images, labels = data.default_collate(samples, device)
    assert images.shape == (3, 1, 2, 2) and images.dtype == mt.float32 and str(images.device).startswith(device)
    assert labels.tolist() == [0, 1, 2] and labels.dtype == mt.int64
    with pytest.raises(ValueError, match="different shapes"):
        data.default_collate([np.zeros(2), np.zeros(3)])


def test_loader_rejects_bad_arguments():
    dataset = data.TensorDataset(np.arange(3))
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        data.DataLoader(dataset, batch_size=0)
    with pytest.raises(ValueError, match="the dataset is empty"):
        data.DataLoader(data.TensorDataset(np.arange(0)))
