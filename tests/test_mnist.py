"""MNIST loads as TF1's `input_data` loads it, from small idx files made here; downloads go to a
loopback HTTP server (never the network), and `flowgraph run` serves `input_data` to a script."""
import functools
import gzip
import http.server
import os
import socket
import struct
import subprocess
import sys
import threading

import numpy as np
import pytest

import flowgraph as tf
from flowgraph import script
from flowgraph.datasets import mnist
from flowgraph.datasets.download import DownloadError, maybe_download

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
N_TRAIN, N_TEST = 60, 20


def _images(first: int, count: int) -> np.ndarray:
    """[count, 28, 28] uint8 images; image i's first pixel is first + i, so each is known."""
    i = np.arange(count)[:, None, None]
    r, c = np.arange(28)[None, :, None], np.arange(28)[None, None, :]
    return ((first + i + 3 * r + 5 * c) % 256).astype(np.uint8)


TRAIN_X, TEST_X = _images(0, N_TRAIN), _images(100, N_TEST)
TRAIN_Y = (np.arange(N_TRAIN) * 7 % 10).astype(np.uint8)
TEST_Y = (np.arange(N_TEST) * 3 % 10).astype(np.uint8)


def _idx(magic: int, array: np.ndarray) -> bytes:
    """`array` as a gzipped idx file: magic, each dimension's size, then the bytes."""
    header = struct.pack(f">{1 + array.ndim}I", magic, *array.shape)
    return gzip.compress(header + array.tobytes())


def _write_mnist(folder, files=mnist.FILES):
    os.makedirs(folder, exist_ok=True)
    contents = dict(zip(mnist.FILES, [_idx(2051, TRAIN_X), _idx(2049, TRAIN_Y),
                                      _idx(2051, TEST_X), _idx(2049, TEST_Y)]))
    for name in files:
        with open(os.path.join(folder, name), "wb") as f:
            f.write(contents[name])
    return str(folder)


@pytest.fixture
def data_dir(tmp_path):
    return _write_mnist(tmp_path / "MNIST_data")


def _ids(images) -> list:
    """Which example each row is: its first pixel (float images scaled back)."""
    first = np.asarray(images).reshape(len(images), -1)[:, 0].astype(np.float64)
    return [int(v) for v in np.rint(first * (255 if images.dtype == np.float32 else 1))]


# --- reading ---------------------------------------------------------------------------------

def test_defaults_give_float32_rows_in_0_1_and_digit_labels(data_dir, capsys):
    ds = mnist.read_data_sets(data_dir, validation_size=10)
    assert isinstance(ds, mnist.Datasets) and ds._fields == ("train", "validation", "test")
    assert ds.train.num_examples == 50 and ds.validation.num_examples == 10
    assert ds.test.num_examples == N_TEST and ds.train.epochs_completed == 0
    assert ds.train.images.shape == (50, 784) and ds.train.images.dtype == np.float32
    expected = TRAIN_X[10:].reshape(50, 784).astype(np.float32) * np.float32(1 / 255)
    np.testing.assert_array_equal(ds.train.images, expected)
    assert 0.0 <= ds.train.images.min() and ds.train.images.max() <= 1.0
    np.testing.assert_array_equal(ds.train.labels, TRAIN_Y[10:])
    assert ds.train.labels.dtype == np.uint8
    np.testing.assert_array_equal(ds.validation.labels, TRAIN_Y[:10])
    assert _ids(ds.validation.images) == list(range(10))
    assert _ids(ds.test.images) == list(range(100, 100 + N_TEST))
    out = capsys.readouterr().out
    assert all(f"Extracting {os.path.join(data_dir, name)}" in out for name in mnist.FILES)


def test_one_hot_labels_are_float64_rows(data_dir):
    ds = mnist.read_data_sets(data_dir, one_hot=True, validation_size=10)
    assert ds.train.labels.shape == (50, 10) and ds.train.labels.dtype == np.float64
    np.testing.assert_array_equal(ds.train.labels.argmax(1), TRAIN_Y[10:])
    np.testing.assert_array_equal(ds.train.labels.sum(1), 1)
    np.testing.assert_array_equal(ds.test.labels.argmax(1), TEST_Y)


@pytest.mark.parametrize("dtype", [tf.uint8, np.uint8, "uint8"])
def test_uint8_keeps_raw_pixels_and_reshape_false_keeps_28x28x1(data_dir, dtype):
    ds = mnist.read_data_sets(data_dir, dtype=dtype, reshape=False, validation_size=0)
    assert ds.train.images.shape == (N_TRAIN, 28, 28, 1) and ds.train.images.dtype == np.uint8
    np.testing.assert_array_equal(ds.train.images[..., 0], TRAIN_X)
    assert ds.validation.num_examples == 0


def test_other_image_dtypes_are_refused(data_dir):
    with pytest.raises(TypeError, match="expected uint8 .* or float32"):
        mnist.read_data_sets(data_dir, dtype=tf.float64, validation_size=0)


@pytest.mark.parametrize("size", [-1, N_TRAIN + 1])
def test_validation_size_outside_the_training_set_is_a_value_error(data_dir, size):
    with pytest.raises(ValueError, match=f"between 0 and {N_TRAIN}.*got {size}"):
        mnist.read_data_sets(data_dir, validation_size=size)
    assert mnist.read_data_sets(data_dir, validation_size=N_TRAIN).train.num_examples == 0


def test_dense_to_one_hot():
    np.testing.assert_array_equal(mnist.dense_to_one_hot(np.array([2, 0]), 3),
                                  [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="label 10 .*index 1.* 0 to 9"):
        mnist.dense_to_one_hot(np.array([1, 10]), 10)


def test_fake_data():
    ds = mnist.read_data_sets("unused", fake_data=True, one_hot=True)
    assert ds.train.num_examples == ds.test.num_examples == 10000
    xs, ys = ds.train.next_batch(3, fake_data=True)
    assert xs == [[1] * 784] * 3 and ys == [[1] + [0] * 9] * 3
    assert not os.path.exists("unused")


# --- bad files -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, message", [
    (mnist.TRAIN_IMAGES, _idx(2049, TRAIN_Y),
     "Invalid magic number 2049 in MNIST image file .*train-images.*expected 2051"),
    (mnist.TEST_LABELS, _idx(2051, TEST_X),
     "Invalid magic number 2051 in MNIST label file .*t10k-labels.*expected 2049"),
    (mnist.TRAIN_LABELS, b"<html>Not Found</html>", "train-labels.* not a complete gzipped"),
    (mnist.TEST_IMAGES, gzip.compress(struct.pack(">4I", 2051, 20, 28, 28) + b"\0" * 100),
     "t10k-images.* cut short: its header promises 20 images of 28x28 .*only 100 follow"),
    (mnist.TRAIN_IMAGES, gzip.compress(b"\0\0\x08\x03"), "too short"),
])
def test_bad_files_raise_clear_errors(data_dir, name, content, message):
    with open(os.path.join(data_dir, name), "wb") as f:
        f.write(content)
    with pytest.raises(ValueError, match=message):
        mnist.read_data_sets(data_dir)


# --- next_batch ------------------------------------------------------------------------------

def test_next_batch_follows_tf_shuffles_and_epoch_boundary(data_dir):
    ds = mnist.read_data_sets(data_dir, validation_size=0, seed=3, one_hot=True)
    # By hand, as TF does: NumPy's generator seeded with 3, one shuffle before the first
    # epoch, one more when a batch crosses the end of an epoch (the new order permutes the old).
    rng = np.random.RandomState(3)
    first = _shuffled(N_TRAIN, rng)
    second = first[_shuffled(N_TRAIN, rng)]
    assert _ids(ds.train.next_batch(25)[0]) == list(first[:25])
    assert _ids(ds.train.next_batch(25)[0]) == list(first[25:50])
    assert ds.train.epochs_completed == 0
    xs, ys = ds.train.next_batch(25)  # the epoch's last 10, then the next epoch's first 15
    assert _ids(xs) == list(first[50:]) + list(second[:15])
    assert ds.train.epochs_completed == 1
    assert xs.shape == (25, 784) and ys.shape == (25, 10)
    np.testing.assert_array_equal(ys.argmax(1), TRAIN_Y[_ids(xs)])
    assert _ids(ds.train.next_batch(25)[0]) == list(second[15:40])
    assert _ids(ds.train.images) == list(second)  # the data set holds the current order


def _shuffled(n, rng):
    """What `np.random.shuffle(np.arange(n))` gives when NumPy's generator is in `rng`'s state."""
    order = np.arange(n)
    rng.shuffle(order)
    return order


def test_every_epoch_gives_each_example_once_in_a_new_order(data_dir):
    ds = mnist.read_data_sets(data_dir, validation_size=0, seed=11)
    seen = np.concatenate([_ids(ds.train.next_batch(17)[0]) for _ in range(14)])  # 3.97 epochs
    epochs = [seen[k * N_TRAIN:(k + 1) * N_TRAIN] for k in range(3)]
    for epoch in epochs:
        assert sorted(epoch) == list(range(N_TRAIN))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    assert ds.train.epochs_completed == 3
    again = mnist.read_data_sets(data_dir, validation_size=0, seed=11)
    assert list(seen[:17 * 4]) == list(np.concatenate(
        [_ids(again.train.next_batch(17)[0]) for _ in range(4)]))


def test_a_batch_ending_exactly_at_the_epoch_end_completes_it_on_the_next_call(data_dir):
    ds = mnist.read_data_sets(data_dir, validation_size=0, seed=5)
    rng = np.random.RandomState(5)
    first = _shuffled(N_TRAIN, rng)
    second = first[_shuffled(N_TRAIN, rng)]
    assert _ids(np.concatenate([ds.train.next_batch(20)[0] for _ in range(3)])) == list(first)
    assert ds.train.epochs_completed == 0
    assert _ids(ds.train.next_batch(20)[0]) == list(second[:20])
    assert ds.train.epochs_completed == 1


def test_without_shuffle_batches_wrap_around_in_order(data_dir):
    ds = mnist.read_data_sets(data_dir, validation_size=0)
    ids = [_ids(ds.train.next_batch(25, shuffle=False)[0]) for _ in range(3)]
    assert ids[2] == list(range(50, 60)) + list(range(15))
    assert ds.train.epochs_completed == 1


def test_the_graph_level_seed_seeds_the_shuffles(data_dir):
    tf.set_random_seed(42)
    ds = mnist.read_data_sets(data_dir, validation_size=0)
    assert _ids(ds.train.next_batch(N_TRAIN)[0]) == list(
        _shuffled(N_TRAIN, np.random.RandomState(42)))


# --- downloads -------------------------------------------------------------------------------

@pytest.fixture
def server(tmp_path, monkeypatch):
    """(base URL, list of request paths) of a loopback HTTP server over MNIST files."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    folder = _write_mnist(tmp_path / "served")
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            if self.path == "/short.gz":  # promises more than it sends
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"x" * 10)
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Handler, directory=folder))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_missing_files_are_downloaded_once(server, tmp_path, capsys):
    url, requests = server
    folder = str(tmp_path / "new" / "MNIST_data")
    ds = mnist.read_data_sets(folder, source_url=url, validation_size=10)
    assert sorted(requests) == sorted("/" + name for name in mnist.FILES)
    assert sorted(os.listdir(folder)) == sorted(mnist.FILES)  # no temporary files left
    assert ds.train.num_examples == 50 and _ids(ds.test.images)[0] == 100
    assert capsys.readouterr().out.count("Successfully downloaded") == 4
    mnist.read_data_sets(folder, source_url=url, validation_size=10)
    assert len(requests) == 4


def test_the_progress_bar_shows_percent_and_mb_on_stderr(server, tmp_path, capsys):
    url, _ = server
    path = maybe_download(mnist.TRAIN_IMAGES, str(tmp_path), url + mnist.TRAIN_IMAGES,
                          progress=True)
    size = os.path.getsize(path)
    err = capsys.readouterr().err
    assert err.startswith(f"\r{mnist.TRAIN_IMAGES}") and err.endswith("\n")
    assert "100% [" in err and f"{size / 1e6:.1f} / {size / 1e6:.1f} MB" in err
    maybe_download(mnist.TEST_IMAGES, str(tmp_path), url + mnist.TEST_IMAGES, progress=False)
    assert capsys.readouterr().err == ""  # and, by default, none when stderr is no terminal
    maybe_download(mnist.TEST_LABELS, str(tmp_path), url + mnist.TEST_LABELS)
    assert capsys.readouterr().err == ""


def test_an_existing_file_is_not_downloaded_again(server, tmp_path):
    url, requests = server
    (tmp_path / "kept.gz").write_bytes(b"mine")
    assert maybe_download("kept.gz", str(tmp_path), url + mnist.TEST_LABELS) == str(
        tmp_path / "kept.gz")
    assert (tmp_path / "kept.gz").read_bytes() == b"mine" and requests == []


@pytest.mark.parametrize("name, reason", [("absent.gz", "HTTP Error 404"),
                                          ("short.gz", "closed after 10 of 1000 bytes|Incomplete")])
def test_a_failed_download_names_file_url_and_folder_and_leaves_nothing(server, tmp_path,
                                                                         name, reason):
    url, _ = server
    folder = tmp_path / "data"
    with pytest.raises(DownloadError, match=reason) as info:
        maybe_download(name, str(folder), url + name)
    e = info.value
    assert isinstance(e, OSError) and e.filenames == (name,) and e.url == url + name
    assert e.folder == str(folder) and f"{name} from {url}{name}" in str(e)
    assert str(e).endswith(f"by hand, then run again:\n  {folder}")
    assert os.listdir(folder) == []


def test_offline_the_error_lists_the_four_files_and_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("no_proxy", "*")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: connections are refused
    folder = _write_mnist(tmp_path / "MNIST_data", files=[mnist.TRAIN_LABELS])
    with pytest.raises(DownloadError) as info:
        mnist.read_data_sets(folder, source_url=f"http://127.0.0.1:{port}/")
    message, e = str(info.value), info.value
    assert e.filenames == mnist.FILES and e.folder == os.path.abspath(folder)
    assert message.startswith(f"Could not download MNIST into {e.folder}: {mnist.TRAIN_IMAGES}"
                               f" from http://127.0.0.1:{port}/{mnist.TRAIN_IMAGES} failed: ")
    assert f"put them in {e.folder} by hand" in message
    listing = message.split("then run again:\n")[1].splitlines()
    assert [line.split() for line in listing] == [
        [name] if name == mnist.TRAIN_LABELS else [name, "(missing)"] for name in mnist.FILES]
    assert "refused" in message.lower() or "errno" in message.lower()
    assert sorted(os.listdir(folder)) == [mnist.TRAIN_LABELS]


# --- under `flowgraph run` -------------------------------------------------------------------

PROGRAM = """
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, validation_size=10)
x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
y = tf.nn.softmax(tf.matmul(x, W) + b)
cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
sess = tf.InteractiveSession()
tf.global_variables_initializer().run()
for _ in range(5):
    batch_xs, batch_ys = mnist.train.next_batch(20)
    sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys})
correct = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
print("sizes", mnist.train.num_examples, mnist.validation.num_examples, mnist.test.images.shape)
print("epochs", mnist.train.epochs_completed)
print("accuracy", sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels}))
"""


def test_flowgraph_run_serves_input_data_to_a_tf1_program(tmp_path):
    _write_mnist(tmp_path / "MNIST_data")
    (tmp_path / "program.py").write_text(PROGRAM)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
    result = subprocess.run([sys.executable, "-m", "flowgraph.cli", "run", "--no-log",
                             "program.py"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Extracting MNIST_data/train-images-idx3-ubyte.gz" in result.stdout
    assert "sizes 50 10 (20, 784)" in result.stdout and "epochs 1" in result.stdout
    accuracy = float(result.stdout.split("accuracy")[1])
    assert 0.0 <= accuracy <= 1.0


def test_the_aliases_are_gone_after_the_script(tmp_path):
    program = tmp_path / "p.py"
    program.write_text("from tensorflow.examples.tutorials.mnist import input_data\n"
                       "import tensorflow.examples.tutorials.mnist.input_data as again\n"
                       "assert input_data.read_data_sets is again.read_data_sets\n")
    assert script.run_script(str(program)) == 0, "see stderr"
    assert not any(name.startswith("tensorflow") for name in sys.modules)
    assert "flowgraph.examples" not in sys.modules
    assert script.run_script(str(program), alias=False) == 1
