"""train.Saver under adversarial use: every form of save_path a user may write, forged or
corrupt checkpoints (refused before anything is allocated), prefixes that name only a
directory, file modes under the umask, and max_to_keep deleting only what it should."""
import io
import os
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import flowgraph as tf

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture
def graph():
    with tf.Graph().as_default() as g:
        yield g


@pytest.fixture
def sess(graph):
    with tf.Session() as s:
        yield s


def _variable(sess, value=(1.0, 2.0, 3.0), name="W", **kwargs):
    v = tf.Variable(np.asarray(value), name=name, **kwargs)
    sess.run(v.initializer)
    return v


def _npy(shape, dtype, data: bytes) -> bytes:
    """An .npy file whose header says `shape` and `dtype`, followed by `data` as it is."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {
        "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
        "shape": shape})
    return buf.getvalue() + data


def _forge(path, members: dict):
    """A checkpoint `path` holding {name: raw .npy bytes}."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, raw in members.items():
            zf.writestr(name + ".npy", raw)


def _files(directory):
    return sorted(os.listdir(directory))


# --- 4: every save_path form restores and is found ---------------------------------------
@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
@pytest.mark.parametrize("global_step", [None, 7], ids=["no-step", "step"])
@pytest.mark.parametrize("name,prefix", [
    ("model", "model"),
    ("model.npz", "model"),  # the user named the data file
    ("model.ckpt", "model.ckpt"),  # TF1's habit: the suffix is part of the prefix
    ("model.ckpt.npz", "model.ckpt"),
])
def test_every_save_path_form_restores_and_is_found(sess, tmp_path, monkeypatch, relative,
                                                    global_step, name, prefix):
    W = _variable(sess)
    saver = tf.train.Saver()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ckpt").mkdir()
    directory = "ckpt" if relative else str(tmp_path / "ckpt")
    written = os.path.join(directory, name)
    path = saver.save(sess, written, global_step=global_step)
    expected = prefix if global_step is None else f"{prefix}-{global_step}"
    assert path == os.path.join(directory, expected)
    assert _files(tmp_path / "ckpt") == sorted(["checkpoint", expected + ".npz"])
    assert (tmp_path / "ckpt" / "checkpoint").read_text().startswith(
        f'model_checkpoint_path: "{expected}"\n')
    assert tf.train.latest_checkpoint(directory) == path
    restorable = [path, path + ".npz"] + ([written] if global_step is None else [])
    for p in restorable:
        assert tf.train.checkpoint_exists(p), p
        sess.run(W.assign([0.0, 0.0, 0.0]))
        saver.restore(sess, p)
        np.testing.assert_array_equal(sess.run(W), [1.0, 2.0, 3.0])


def test_checkpoint_written_by_earlier_versions_with_double_suffix_restores(sess, tmp_path):
    # earlier versions wrote save(sess, "ckpt/model.npz") as "model.npz.npz", indexed "model.npz"
    W = _variable(sess)
    path = tf.train.Saver().save(sess, str(tmp_path / "model"))
    os.replace(path + ".npz", str(tmp_path / "model.npz.npz"))
    tf.train.update_checkpoint_state(str(tmp_path), str(tmp_path / "model.npz"))
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest == str(tmp_path / "model.npz")
    sess.run(W.assign([0.0, 0.0, 0.0]))
    tf.train.Saver().restore(sess, latest)
    np.testing.assert_array_equal(sess.run(W), [1.0, 2.0, 3.0])


def test_max_to_keep_with_npz_suffix_keeps_one_file_per_checkpoint(sess, tmp_path):
    _variable(sess)
    saver = tf.train.Saver(max_to_keep=2)
    paths = [saver.save(sess, str(tmp_path / "model.npz"), global_step=s) for s in (1, 2, 3)]
    assert paths[-1] == str(tmp_path / "model-3")
    assert _files(tmp_path) == ["checkpoint", "model-2.npz", "model-3.npz"]
    for _ in range(3):
        saver.save(sess, str(tmp_path / "single.npz"))
    assert "single.npz" in _files(tmp_path) and "single.npz.npz" not in _files(tmp_path)


def test_max_to_keep_never_deletes_a_kept_checkpoint_spelled_differently(sess, tmp_path,
                                                                        monkeypatch):
    _variable(sess)
    monkeypatch.chdir(tmp_path)
    saver = tf.train.Saver(max_to_keep=2)
    saver.save(sess, "m", global_step=1)
    saver.recover_last_checkpoints([str(tmp_path / "m-1")])  # the same checkpoint, absolute
    saver.save(sess, "m", global_step=1)
    saver.save(sess, "m", global_step=2)
    assert saver.last_checkpoints == ["m-1", "m-2"]
    assert _files(tmp_path) == ["checkpoint", "m-1.npz", "m-2.npz"]
    state = tf.train.get_checkpoint_state(".")
    assert all(tf.train.checkpoint_exists(p) for p in state.all_model_checkpoint_paths)


def test_recovered_data_file_names_are_deleted_by_max_to_keep(sess, tmp_path):
    _variable(sess)
    first = tf.train.Saver().save(sess, str(tmp_path / "m"), global_step=1)
    saver = tf.train.Saver(max_to_keep=1)
    saver.recover_last_checkpoints([first + ".npz"])  # named by its file, not its prefix
    assert saver.last_checkpoints == [first]
    saver.save(sess, str(tmp_path / "m"), global_step=2)
    assert _files(tmp_path) == ["checkpoint", "m-2.npz"]


def test_index_file_name_clashing_with_the_data_file_is_refused(sess, tmp_path):
    _variable(sess)
    saver = tf.train.Saver()
    with pytest.raises(ValueError, match="latest_filename 'm.npz'.*data file"):
        saver.save(sess, str(tmp_path / "m"), latest_filename="m.npz")
    assert _files(tmp_path) == []


# --- 12: forged and corrupt checkpoints -----------------------------------------------------
def test_forged_huge_shape_is_refused_before_allocating(sess, tmp_path):
    W = _variable(sess)
    _forge(tmp_path / "m.npz", {"W": _npy((10 ** 12,), np.float64, bytes(24))})
    sess.run(W.assign([5.0, 5.0, 5.0]))
    with pytest.raises(tf.errors.DataLossError) as e:
        tf.train.Saver().restore(sess, str(tmp_path / "m"))
    message = str(e.value)
    for part in ("'W'", str(tmp_path / "m.npz"), "[1000000000000]", "[3]"):
        assert part in message
    np.testing.assert_array_equal(sess.run(W), [5.0, 5.0, 5.0])


def test_forged_huge_shape_for_a_variable_of_unknown_shape_is_refused(sess, tmp_path):
    # validate_shape=False: the variable's shape cannot bound what the header may claim
    _variable(sess, name="U", validate_shape=False)
    _forge(tmp_path / "m.npz", {"U": _npy((10 ** 12,), np.float64, bytes(24))})
    with pytest.raises(tf.errors.DataLossError, match=r"'U'.*\[1000000000000\].*<unknown>"):
        tf.train.Saver().restore(sess, str(tmp_path / "m"))


def test_header_declaring_more_data_than_the_member_holds_is_named(sess, tmp_path):
    _variable(sess, np.zeros(4, np.float32))
    _forge(tmp_path / "m.npz", {"W": _npy((4,), np.float32, bytes(8))})
    with pytest.raises(tf.errors.DataLossError, match=r"'W'.*m\.npz.*\[4\].*16 bytes.*8"):
        tf.train.Saver().restore(sess, str(tmp_path / "m"))


def test_zip_directory_lying_about_a_member_size_is_refused(sess, tmp_path):
    # the zip's own size fields claim 1 GiB of data that is not there
    _variable(sess, name="U", validate_shape=False)
    n = 2 ** 27
    raw = _npy((n,), np.float64, bytes(16))
    path = tmp_path / "m.npz"
    _forge(path, {"U": raw})
    blob = bytearray(path.read_bytes())
    lie = struct.pack("<I", len(raw) - 16 + 8 * n)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size
        at = blob.index(signature)
        blob[at + offset:at + offset + 4] = lie
    path.write_bytes(bytes(blob))
    tracemalloc.start()
    try:
        with pytest.raises(tf.errors.DataLossError, match="'U'"):
            tf.train.Saver().restore(sess, str(tmp_path / "m"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2 ** 20


def test_shapes_and_dtypes_are_checked_from_headers_before_any_data_is_read(sess, tmp_path,
                                                                          monkeypatch):
    _variable(sess)
    _forge(tmp_path / "m.npz", {"W": _npy((5,), np.float64, bytes(40))})

    def forbidden(*args, **kwargs):
        raise AssertionError("array data read before the checks")
    monkeypatch.setattr(np.lib.format, "read_array", forbidden)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"'W'.*lhs shape= \[3\] rhs "
                                                             r"shape= \[5\]"):
        tf.train.Saver().restore(sess, str(tmp_path / "m"))


def test_members_no_variable_needs_are_never_read(sess, tmp_path):
    W = _variable(sess)
    _forge(tmp_path / "m.npz", {"W": _npy((3,), np.float64, np.float64([7, 8, 9]).tobytes()),
                                "junk": _npy((10 ** 12,), np.float64, b"")})
    tf.train.Saver().restore(sess, str(tmp_path / "m"))
    np.testing.assert_array_equal(sess.run(W), [7.0, 8.0, 9.0])


def test_a_plain_npy_file_in_place_of_the_zip_is_data_loss(sess, tmp_path):
    _variable(sess)
    np.save(tmp_path / "m.npy", np.zeros(3))
    os.replace(tmp_path / "m.npy", tmp_path / "m.npz")
    with pytest.raises(tf.errors.DataLossError, match="m.npz"):
        tf.train.Saver().restore(sess, str(tmp_path / "m"))


def test_damaged_data_is_data_loss_naming_the_variable(sess, tmp_path):
    W = _variable(sess)
    path = tf.train.Saver().save(sess, str(tmp_path / "m")) + ".npz"
    raw = bytearray(open(path, "rb").read())
    raw[raw.index(np.float64([1, 2, 3]).tobytes()) + 3] ^= 0xFF  # the CRC no longer matches
    open(path, "wb").write(bytes(raw))
    sess.run(W.assign([5.0, 5.0, 5.0]))
    with pytest.raises(tf.errors.DataLossError, match=r"variable 'W'.*m\.npz.*CRC"):
        tf.train.Saver().restore(sess, path)
    np.testing.assert_array_equal(sess.run(W), [5.0, 5.0, 5.0])


def test_every_truncation_or_damage_is_an_op_error_never_a_crash(sess, tmp_path):
    _variable(sess)
    tf.Variable(np.int32(4), name="n")
    sess.run(tf.global_variables_initializer())
    saver = tf.train.Saver()
    raw = open(saver.save(sess, str(tmp_path / "m")) + ".npz", "rb").read()
    rnd = np.random.RandomState(0)
    damaged = [raw[:k] for k in range(len(raw))]
    for k in rnd.randint(len(raw), size=300):
        flipped = bytearray(raw)
        flipped[k] ^= rnd.randint(1, 256)
        damaged.append(bytes(flipped))
    for blob in damaged:
        (tmp_path / "x.npz").write_bytes(blob)
        try:
            saver.restore(sess, str(tmp_path / "x"))
        except (tf.errors.DataLossError, tf.errors.NotFoundError,
                tf.errors.InvalidArgumentError):
            pass


def test_npz_files_numpy_writes_restore(sess, tmp_path):
    # compressed, Fortran-ordered, empty and scalar arrays pass the size checks
    W = _variable(sess, np.zeros((2, 3)))
    E = _variable(sess, np.zeros((0, 4), np.float32), name="E")
    n = _variable(sess, np.int64(0), name="n")
    U = _variable(sess, np.zeros(2, np.float32), name="U", validate_shape=False)
    big = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.savez_compressed(tmp_path / "m.npz", W=big, E=np.ones((0, 4), np.float32),
                        n=np.int64(9), U=np.ones(50000, np.float32))
    tf.train.Saver().restore(sess, str(tmp_path / "m"))
    np.testing.assert_array_equal(sess.run(W), big)
    assert sess.run(E).shape == (0, 4) and sess.run(n) == 9 and sess.run(U).shape == (50000,)


# --- 13: a prefix that names only a directory -----------------------------------------------
@pytest.mark.parametrize("global_step", [None, 3], ids=["no-step", "step"])
@pytest.mark.parametrize("save_path", ["", "ckpt/", "ckpt", ".", "ckpt/.npz", ".npz"])
def test_directory_only_prefix_is_refused(sess, tmp_path, monkeypatch, save_path, global_step):
    _variable(sess)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(ValueError) as e:
        tf.train.Saver().save(sess, save_path, global_step=global_step)
    assert repr(save_path) in str(e.value) and "ckpt/model" in str(e.value)
    assert _files(tmp_path) == ["ckpt"] and _files(tmp_path / "ckpt") == []


def test_restoring_a_directory_says_how_to_find_its_checkpoint(sess, tmp_path):
    _variable(sess)
    with pytest.raises(ValueError, match=r"not a valid checkpoint.*latest_checkpoint"):
        tf.train.Saver().restore(sess, str(tmp_path))


# --- 14: file modes follow the umask ---------------------------------------------------------
@posix_only
@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_checkpoint_and_index_files_honour_the_umask(sess, tmp_path, umask, mode):
    _variable(sess)
    saver = tf.train.Saver()
    old = os.umask(umask)
    try:
        for _ in range(2):  # creating, then replacing
            path = saver.save(sess, str(tmp_path / "m"))
            for name in ("m.npz", "checkpoint"):
                assert os.stat(tmp_path / name).st_mode & 0o777 == mode, name
    finally:
        os.umask(old)
    assert path == str(tmp_path / "m")
