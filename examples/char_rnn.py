"""A character-level LSTM that learns to continue a sentence, one character at a time: the
classic "hihello" lesson of TF1 courses, on a longer sentence.

Each input is a window of characters (one-hot) and its target is the same window shifted by
one. An LSTM (tf.contrib.rnn, as the courses wrote it) runs over the window, a fully connected
layer gives each step's logits, and sequence_loss is the training loss.

    python examples/char_rnn.py        (or: flowgraph run examples/char_rnn.py)
"""
import numpy as np

import flowgraph as tf

SENTENCE = "if you want to build a ship, don't drum up people to collect wood"
STEPS = 10  # characters per window

chars = sorted(set(SENTENCE))
index = {c: i for i, c in enumerate(chars)}
windows = [SENTENCE[i:i + STEPS + 1] for i in range(len(SENTENCE) - STEPS)]
x_data = np.array([[index[c] for c in w[:-1]] for w in windows])
y_data = np.array([[index[c] for c in w[1:]] for w in windows])

tf.set_random_seed(777)
X = tf.placeholder(tf.int32, [None, STEPS])
Y = tf.placeholder(tf.int32, [None, STEPS])
one_hot = tf.one_hot(X, len(chars))

cell = tf.contrib.rnn.BasicLSTMCell(num_units=64, state_is_tuple=True)
outputs, _ = tf.nn.dynamic_rnn(cell, one_hot, dtype=tf.float32)
logits = tf.contrib.layers.fully_connected(outputs, len(chars), activation_fn=None)
loss = tf.contrib.seq2seq.sequence_loss(logits, Y, tf.ones_like(Y, dtype=tf.float32))
train = tf.train.AdamOptimizer(0.05).minimize(loss)
prediction = tf.argmax(logits, axis=2)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(151):
        loss_value, _ = sess.run([loss, train], feed_dict={X: x_data, Y: y_data})
        if step % 50 == 0:
            print(f"step {step}: loss {loss_value:.4f}")
    results = sess.run(prediction, feed_dict={X: x_data})
    # the first window whole, then the last character of each later window. The character
    # after the very first "i" cannot be known from "i" alone ("if", "build", "ship"), so the
    # sentence is learned when everything after it comes out right.
    text = "".join(chars[i] for i in results[0]) + "".join(chars[r[-1]] for r in results[1:])
    print("predicted:", SENTENCE[0] + text)
    print("learned the sentence:", text[1:] == SENTENCE[2:])
