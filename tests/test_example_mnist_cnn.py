"""examples/mnist_cnn.py trains through `flowgraph run` on MNIST-format files made here: each
"digit" is a bar whose position is its label (noise around it), so a working CNN learns it
in a few dozen steps. No network: the files are in the folder the example reads."""
import gzip
import os
import struct
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _idx(magic, array):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _bars(n, rng):
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 60, (n, 28, 28))
    for img, label in zip(images, labels):
        img[4:24, 2 + 2 * label:4 + 2 * label] = 255   # a vertical bar at the label's column
    return images, labels


def test_mnist_cnn_learns_the_bars(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "MNIST_data"
    data.mkdir()
    for images_name, labels_name, n in (("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                         5400), ("t10k-images-idx3-ubyte.gz",
                                                 "t10k-labels-idx1-ubyte.gz", 200)):
        images, labels = _bars(n, rng)
        (data / images_name).write_bytes(_idx(2051, images))
        (data / labels_name).write_bytes(_idx(2049, labels))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
    result = subprocess.run(
        [sys.executable, "-m", "flowgraph.cli", "run", "--no-log",
         os.path.join(ROOT, "examples", "mnist_cnn.py"), "--steps", "40", "--batch", "20"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy = ")
    assert float(last.split("= ")[1]) >= 0.9, result.stdout
