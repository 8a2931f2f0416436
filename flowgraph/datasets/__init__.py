"""Data sets as TF1 and Keras programs load them: files fetched once into a folder, then read."""
