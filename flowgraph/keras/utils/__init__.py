"""`keras.utils`: one-hot labels (`to_categorical`), `normalize`, and `get_file`, the
download-once cache the data sets use. `keras.utils.np_utils.to_categorical` works too."""
from . import data_utils, np_utils
from .data_utils import get_file
from .np_utils import normalize, to_categorical
