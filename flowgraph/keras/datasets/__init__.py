"""`keras.datasets`: Keras's data sets, downloaded once into `~/.keras/datasets/` and read
without running code from the files: `mnist`, `reuters`, `imdb`, `boston_housing`."""
from . import boston_housing, imdb, mnist, reuters
