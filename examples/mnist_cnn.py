"""The classic TF1 MNIST CNN: two conv+pool layers, a dense layer with dropout, Adam.

    flowgraph run examples/mnist_cnn.py                      # MNIST from ./MNIST_data
    flowgraph run examples/mnist_cnn.py --data-dir DIR --steps 2000

MNIST is read (and downloaded once, into --data-dir) as TF1 programs read it, with
`input_data.read_data_sets`; offline, the error names the four files to put there by hand.
It prints the loss as it trains, then the test accuracy (about 0.99 after 2000 steps of 50).
"""
import argparse

import flowgraph as tf
from flowgraph.datasets.mnist import read_data_sets  # tensorflow's input_data

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data-dir", default="MNIST_data")
parser.add_argument("--steps", type=int, default=2000)
parser.add_argument("--batch", type=int, default=50)
args = parser.parse_args()

mnist = read_data_sets(args.data_dir, one_hot=True, seed=1)
tf.set_random_seed(1)

x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
keep_prob = tf.placeholder(tf.float32)


def weight(shape):
    return tf.Variable(tf.truncated_normal(shape, stddev=0.1))


def bias(shape):
    return tf.Variable(tf.constant(0.1, shape=shape))


image = tf.reshape(x, [-1, 28, 28, 1])
h = tf.nn.relu(tf.nn.conv2d(image, weight([5, 5, 1, 32]), [1, 1, 1, 1], "SAME") + bias([32]))
h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
h = tf.nn.relu(tf.nn.conv2d(h, weight([5, 5, 32, 64]), [1, 1, 1, 1], "SAME") + bias([64]))
h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
h = tf.nn.relu(tf.matmul(tf.reshape(h, [-1, 7 * 7 * 64]), weight([7 * 7 * 64, 256])) +
               bias([256]))
h = tf.nn.dropout(h, keep_prob)
logits = tf.matmul(h, weight([256, 10])) + bias([10])

loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
train = tf.train.AdamOptimizer(1e-3).minimize(loss)
correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(args.steps):
        batch_x, batch_y = mnist.train.next_batch(args.batch)
        _, loss_value = sess.run([train, loss], {x: batch_x, y_: batch_y, keep_prob: 0.5})
        if step % 100 == 0:
            print(f"step {step}: loss {loss_value:.4f}")
    test_accuracy = sess.run(accuracy, {x: mnist.test.images, y_: mnist.test.labels,
                                        keep_prob: 1.0})
    print(f"test accuracy = {test_accuracy:.4f}")
