"""The data loaders: both sides read the same numbers, and bad files give clear errors.

Real-data tests use the ``cat_root`` / ``mnist_root`` fixtures (skip when the files are
absent, fail under DL_PARITY_REQUIRE_DATA=1) and check facts about the files recorded in
shared/data/SOURCES.md, which were measured independently of these loaders. The error
tests write small fake files into ``tmp_path``.

Comparisons are exact (no tolerance): both sides compute each pixel as uint8 / 255, one
correctly rounded IEEE division in the same float type, so they must agree bit for bit.
"""
from __future__ import annotations

import gzip
import struct

import h5py
import numpy as np
import pytest
import torch

from dl_parity import data as dl_data
from dl_parity.cli import UsageError
from parity_tests._arrays import assert_array_equal
from scratch import datasets as sd
from torch_ref import datasets as td

# ---------------------------------------------------------------- helpers


def assert_identical(actual: np.ndarray, expected: np.ndarray, what: str):
    """Bit-for-bit equality (np.array_equal: 0.1 s on MNIST where assert_array_equal takes 10 s)."""
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} vs {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} vs {expected.dtype}"
    if not np.array_equal(actual, expected):
        bad = np.argwhere(actual != expected)
        first = tuple(int(i) for i in bad[0])
        raise AssertionError(f"{what}: {len(bad)} of {actual.size} entries differ; first at "
                             f"{first}: {actual[first]!r} vs {expected[first]!r}")


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file written by hand: magic 0x0000TTDD, big-endian dims, big-endian payload."""
    big = {0x08: ">u1", 0x0B: ">i2"}[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(
        struct.pack(">I", d) for d in array.shape)
    return header + array.astype(big).tobytes()


def write_gz(path, payload: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload))
    return path


def fake_mnist(root, m_train=5, m_test=3, unpacked=False, seed=0):
    """A tiny MNIST in <root>/MNIST/raw (.gz, and optionally the unpacked files too)."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, m in (("train", m_train), ("t10k", m_test)):
        arrays[f"{split}-images-idx3-ubyte"] = rng.integers(0, 256, (m, 28, 28), dtype=np.uint8)
        arrays[f"{split}-labels-idx1-ubyte"] = rng.integers(0, 10, m, dtype=np.uint8)
    raw = root / "MNIST" / "raw"
    for name, a in arrays.items():
        write_gz(raw / f"{name}.gz", idx_bytes(a))
        if unpacked:
            (raw / name).write_bytes(idx_bytes(a))
    return arrays


def fake_cat(root, m_train=4, m_test=3, seed=0, drop_key=None):
    rng = np.random.default_rng(seed)
    out = {}
    for split, m in (("train", m_train), ("test", m_test)):
        path = root / "catvnoncat" / f"{split}_catvnoncat.h5"
        path.parent.mkdir(parents=True, exist_ok=True)
        x = rng.integers(0, 256, (m, 64, 64, 3), dtype=np.uint8)
        y = np.arange(m, dtype=np.int64) % 2
        with h5py.File(path, "w") as f:
            for key, value in ((f"{split}_set_x", x), (f"{split}_set_y", y),
                               ("list_classes", np.array([b"non-cat", b"cat"]))):
                if key != drop_key:
                    f[key] = value
        out[split] = (x, y)
    return out


# ---------------------------------------------------------------- IDX reader (scratch)


def test_read_idx_parses_a_hand_written_file(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    got = sd.read_idx(write_gz(tmp_path / "a-idx3-ubyte.gz", idx_bytes(a)))
    assert got.dtype == np.uint8 and got.shape == (2, 3, 4)
    assert_array_equal(got, a)


def test_read_idx_reads_big_endian_multibyte_types(tmp_path):
    a = np.array([[-2, 300], [1, -32768]], dtype=np.int16)
    path = tmp_path / "s.idx"  # no .gz: read as is
    path.write_bytes(idx_bytes(a, type_code=0x0B))
    got = sd.read_idx(path)
    assert got.dtype == np.int16
    assert_array_equal(got, a)


def test_read_idx_wrong_magic_names_the_file(tmp_path):
    path = write_gz(tmp_path / "bad-magic.gz", b"\x12\x34\x08\x01" + struct.pack(">I", 2) + b"ab")
    with pytest.raises(sd.DatasetError, match=r"bad-magic\.gz: bad IDX magic number 0x12340801"):
        sd.read_idx(path)


def test_read_idx_truncated_payload_names_the_file(tmp_path):
    full = idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8))
    path = write_gz(tmp_path / "short-images.gz", full[:-100])
    expected = r"short-images\.gz: payload truncated: .* need 2352 bytes .* got 2252"
    with pytest.raises(sd.DatasetError, match=expected):
        sd.read_idx(path)


def test_read_idx_trailing_bytes_are_refused(tmp_path):
    path = write_gz(tmp_path / "long.gz", idx_bytes(np.zeros(4, dtype=np.uint8)) + b"\x00")
    with pytest.raises(sd.DatasetError, match=r"long\.gz: payload has trailing bytes"):
        sd.read_idx(path)


def test_read_idx_truncated_header(tmp_path):
    path = write_gz(tmp_path / "hdr.gz", b"\x00\x00\x08\x03" + struct.pack(">I", 10))
    with pytest.raises(sd.DatasetError, match=r"hdr\.gz: truncated IDX header: 3 dimensions"):
        sd.read_idx(path)


def test_read_idx_not_gzip(tmp_path):
    path = tmp_path / "plain-labels-idx1-ubyte.gz"
    path.write_bytes(idx_bytes(np.arange(5, dtype=np.uint8)))
    with pytest.raises(sd.DatasetError, match=r"plain-labels-idx1-ubyte\.gz: not a gzip file"):
        sd.read_idx(path)


def test_read_idx_cut_gzip_stream(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint16).astype(np.uint8)))
    path = tmp_path / "cut.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(sd.DatasetError, match=r"cut\.gz: truncated gzip stream"):
        sd.read_idx(path)


def test_read_idx_corrupt_gzip_data(tmp_path):
    rng = np.random.default_rng(1)
    packed = bytearray(gzip.compress(idx_bytes(rng.integers(0, 256, 5000, dtype=np.uint8))))
    packed[len(packed) // 2] ^= 0xFF  # one flipped byte in the deflate stream
    path = tmp_path / "flipped.gz"
    path.write_bytes(bytes(packed))
    # zlib reports an invalid stream, or the gzip trailer's CRC-32 no longer matches
    with pytest.raises(sd.DatasetError, match=r"flipped\.gz: (corrupt gzip data|not a gzip file)"):
        sd.read_idx(path)


# ---------------------------------------------------------------- MNIST on fake files


def test_load_mnist_layout_on_a_tiny_fake_set(tmp_path):
    arrays = fake_mnist(tmp_path)
    X_train, y_train, X_test, y_test = sd.load_mnist(tmp_path)
    images = arrays["train-images-idx3-ubyte"]
    assert X_train.shape == (784, 5) and X_test.shape == (784, 3) and X_train.dtype == np.float64
    assert y_train.dtype == np.int64 and y_test.shape == (3,)
    # column k is image k, pixel (i, j) at row 28 i + j, divided by 255
    k, i, j = 3, 17, 9
    assert X_train[28 * i + j, k] == images[k, i, j] / 255
    assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])


def test_mnist_labels_file_with_the_images_magic_is_refused(tmp_path):
    fake_mnist(tmp_path)
    wrong = tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    write_gz(wrong, idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8)))
    expected = r"t10k-labels-idx1-ubyte\.gz: expected MNIST labels \(magic 0x00000801"
    with pytest.raises(sd.DatasetError, match=expected):
        sd.load_mnist(tmp_path)


def test_mnist_image_and_label_counts_must_agree(tmp_path):
    fake_mnist(tmp_path)
    write_gz(tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz",
             idx_bytes(np.zeros(4, dtype=np.uint8)))
    with pytest.raises(sd.DatasetError, match=r"holds 4 labels but .* holds 5 images"):
        sd.load_mnist(tmp_path)


def test_mnist_missing_files_name_every_path(tmp_path):
    with pytest.raises(sd.DatasetMissing) as numpy_err:
        sd.load_mnist(tmp_path)
    with pytest.raises(td.DatasetMissing) as torch_err:
        td.load_mnist(tmp_path)
    for err in (numpy_err, torch_err):
        assert isinstance(err.value, FileNotFoundError)
        for name in ("train-images-idx3", "train-labels-idx1", "t10k-images-idx3",
                     "t10k-labels-idx1"):
            assert str(tmp_path / "MNIST" / "raw" / f"{name}-ubyte") in str(err.value)


def test_mnist_dtype_must_be_float(tmp_path):
    with pytest.raises(ValueError, match="expected a float type"):
        sd.load_mnist(tmp_path, dtype=np.int32)
    with pytest.raises(ValueError, match="expected a torch float type"):
        td.load_mnist(tmp_path, dtype=torch.int64)


def test_torch_mnist_refuses_gz_files_that_fail_torchvisions_md5(tmp_path):
    # only .gz present: the torch side checks them against torchvision's MD5 list
    fake_mnist(tmp_path)
    with pytest.raises(td.DatasetError, match=r"train-images-idx3-ubyte\.gz: MD5 differs"):
        td.load_mnist(tmp_path)


def test_both_mnist_loaders_agree_on_a_tiny_fake_set(tmp_path):
    # .gz for scratch, unpacked files beside them for torchvision (as its download leaves them)
    fake_mnist(tmp_path, unpacked=True)
    numpy_side = sd.load_mnist(tmp_path, dtype=np.float32)
    torch_side = td.load_mnist(tmp_path, dtype=torch.float32)
    for X_np, X_t in ((numpy_side[0], torch_side[0]), (numpy_side[2], torch_side[2])):
        assert X_t.dtype == torch.float32 and X_np.dtype == np.float32
        assert_array_equal(X_t.numpy().T, X_np)
    for y_np, y_t in ((numpy_side[1], torch_side[1]), (numpy_side[3], torch_side[3])):
        assert y_t.dtype == torch.int64
        assert_array_equal(y_t.numpy(), y_np)


def test_torch_mnist_corrupt_unpacked_file_is_a_dataset_error(tmp_path):
    fake_mnist(tmp_path, unpacked=True)
    (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x09junk")
    with pytest.raises(td.DatasetError, match="torchvision could not parse the MNIST IDX files"):
        td.load_mnist(tmp_path)


# ---------------------------------------------------------------- cat on fake files


def test_cat_flattening_is_row_major_over_64_64_3(tmp_path):
    arrays = fake_cat(tmp_path)
    X_train, Y_train, X_test, Y_test, classes = sd.load_cat(tmp_path)
    x, y = arrays["train"]
    assert X_train.shape == (12288, 4) and Y_train.shape == (1, 4) and X_test.shape == (12288, 3)
    assert X_train.dtype == np.float64 and Y_train.dtype == np.float64
    # pixel (row i, column j, channel c) of image k sits at row (64 i + j) 3 + c of column k
    k, i, j, c = 2, 40, 7, 1
    assert X_train[(64 * i + j) * 3 + c, k] == x[k, i, j, c] / 255
    assert_array_equal(Y_train[0], y)
    assert list(classes) == [b"non-cat", b"cat"]


@pytest.mark.parametrize("side", ["numpy", "torch"])
def test_cat_file_that_is_not_hdf5(tmp_path, side):
    fake_cat(tmp_path)
    bad = tmp_path / "catvnoncat" / "test_catvnoncat.h5"
    bad.write_bytes(b"this is not an HDF5 file\n")
    module = sd if side == "numpy" else td
    with pytest.raises(module.DatasetError, match=r"test_catvnoncat\.h5: not a readable HDF5 file"):
        module.load_cat(tmp_path)


@pytest.mark.parametrize("side", ["numpy", "torch"])
def test_cat_file_missing_a_key(tmp_path, side):
    fake_cat(tmp_path, drop_key="train_set_y")
    module = sd if side == "numpy" else td
    with pytest.raises(module.DatasetError,
                       match=r"train_catvnoncat\.h5: missing key 'train_set_y'"):
        module.load_cat(tmp_path)


@pytest.mark.parametrize("side", ["numpy", "torch"])
def test_cat_missing_files_name_the_paths_and_keys(tmp_path, side):
    module = sd if side == "numpy" else td
    with pytest.raises(module.DatasetMissing) as err:
        module.load_cat(tmp_path)
    message = str(err.value)
    assert isinstance(err.value, FileNotFoundError)
    for name in ("train_catvnoncat.h5", "test_catvnoncat.h5"):
        assert str(tmp_path / "catvnoncat" / name) in message
    for key in ("train_set_x", "train_set_y", "test_set_x", "test_set_y", "list_classes"):
        assert key in message


def test_cat_wrong_image_shape(tmp_path):
    fake_cat(tmp_path)
    with h5py.File(tmp_path / "catvnoncat" / "test_catvnoncat.h5", "r+") as f:
        del f["test_set_x"]
        f["test_set_x"] = np.zeros((3, 32, 32, 3), dtype=np.uint8)
    with pytest.raises(sd.DatasetError, match=r"'test_set_x' should be \(m, 64, 64, 3\) uint8"):
        sd.load_cat(tmp_path)


# ---------------------------------------------------------------- dl_parity.data


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("DL_PARITY_DATA", str(tmp_path / "env"))
    assert dl_data.data_root(tmp_path / "arg") == tmp_path / "arg"
    assert dl_data.data_root() == tmp_path / "env"
    monkeypatch.delenv("DL_PARITY_DATA")
    assert str(dl_data.data_root()) == "data"


def test_missing_data_becomes_a_usage_error(tmp_path):
    for dataset in ("cat", "mnist"):
        for load in (dl_data.load_numpy, dl_data.load_torch):
            with pytest.raises(UsageError, match=str(tmp_path)):
                load(dataset, tmp_path)
    fake_cat(tmp_path, drop_key="test_set_x")
    with pytest.raises(UsageError, match=r"missing key 'test_set_x'"):
        dl_data.load_torch("cat", tmp_path)
    with pytest.raises(UsageError, match=r"unknown dataset 'cifar'; expected one of planar, cat"):
        dl_data.load_numpy("cifar")


def test_planar_on_both_sides():
    X, Y = dl_data.load_numpy("planar")
    X_t, Y_t = dl_data.load_torch("planar", dtype=torch.float64)
    assert X.shape == (2, 400) and Y.shape == (1, 400) and Y.dtype == np.uint8
    assert X_t.shape == (400, 2) and Y_t.shape == (400, 1)
    assert_array_equal(X_t.numpy().T, X)
    assert_array_equal(Y_t.numpy().T, Y)
    assert int(Y.sum()) == 200  # 200 points per class


# ---------------------------------------------------------------- the real files

# SOURCES.md values, measured with h5py / an IDX decoder independent of these loaders
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_real_files_match_the_recorded_facts(mnist_numpy):
    X_train, y_train, X_test, y_test = mnist_numpy
    assert X_train.shape == (784, 60000) and X_test.shape == (784, 10000)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    # means on the 0..255 scale, published to 4 decimals: within half a unit of the last one
    assert abs(X_train.mean() * 255 - 33.3184) <= 5e-5
    assert abs(X_test.mean() * 255 - 33.7912) <= 5e-5


def test_mnist_torchvision_and_idx_parser_agree_exactly_float64(mnist_root, mnist_numpy):
    torch_side = td.load_mnist(mnist_root, dtype=torch.float64)
    assert torch_side[0].shape == (60000, 784) and torch_side[0].dtype == torch.float64
    assert torch_side[1].dtype == torch.int64
    for what, a, b in zip(("X_train", "y_train", "X_test", "y_test"), torch_side, mnist_numpy):
        assert_identical(a.numpy().T, b, what)  # .T of a 1-D array is itself


def test_mnist_torchvision_and_idx_parser_agree_exactly_float32(mnist_root):
    numpy_side = sd.load_mnist(mnist_root, dtype=np.float32)
    torch_side = td.load_mnist(mnist_root)  # float32 is the torch side's default
    assert torch_side[0].dtype == torch.float32
    for what, a, b in zip(("X_train", "y_train", "X_test", "y_test"), torch_side, numpy_side):
        assert_identical(a.numpy().T, b, what)


def test_cat_real_files_match_the_recorded_facts(cat_root):
    X_train, Y_train, X_test, Y_test, classes = sd.load_cat(cat_root)
    assert X_train.shape == (12288, 209) and Y_train.shape == (1, 209)
    assert X_test.shape == (12288, 50) and Y_test.shape == (1, 50)
    assert Y_train.sum() == 72 and Y_test.sum() == 33
    assert list(classes) == [b"non-cat", b"cat"]
    # means on the 0..255 scale, published to 3 decimals: within half a unit of the last one
    assert abs(X_train.mean() * 255 - 103.007) <= 5e-4
    assert abs(X_test.mean() * 255 - 107.372) <= 5e-4
    # the course's own lines, applied here to the raw file
    with h5py.File(cat_root / "catvnoncat" / "train_catvnoncat.h5", "r") as f:
        train_set_x_orig = np.array(f["train_set_x"][:])
    assert_array_equal(X_train, train_set_x_orig.reshape(209, -1).T / 255)


def test_cat_both_loaders_agree_exactly(cat_root, device):
    X_train, Y_train, X_test, Y_test, _ = sd.load_cat(cat_root)
    t64 = td.load_cat(cat_root, dtype=torch.float64, device=device)
    for a, b in zip(t64, (X_train, Y_train, X_test, Y_test)):
        assert a.device.type == device.type and a.dtype == torch.float64
        assert_identical(a.cpu().numpy().T, b, "cat float64")
    # float32: x / 255 rounded once in float32 equals the float64 quotient rounded to
    # float32 for every x in 0..255 (double rounding could differ in principle; the
    # assertion checks that it does not for the values in these files)
    t32 = td.load_cat(cat_root, device=device)
    for a, b in zip(t32, (X_train, Y_train, X_test, Y_test)):
        assert a.dtype == torch.float32
        assert_identical(a.cpu().numpy().T, b.astype(np.float32), "cat float32")


def test_load_numpy_and_load_torch_on_the_real_files(cat_root, mnist_root):
    X, Y, _, _, _ = dl_data.load_numpy("cat", cat_root)
    X_t, Y_t, _, _ = dl_data.load_torch("cat", cat_root, dtype=torch.float64)
    assert_array_equal(X_t.numpy().T, X)
    assert Y.shape == (1, 209) and Y_t.shape == (209, 1)
