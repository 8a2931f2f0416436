"""`keras.utils`: one-hot labels (`to_categorical`), `normalize`, `get_file` (the
download-once cache the data sets use), `Progbar`; `keras.utils.np_utils.to_categorical`
works too."""
from . import data_utils, generic_utils, np_utils
from .data_utils import get_file
from .generic_utils import Progbar
from .layer_utils import print_summary
from .np_utils import normalize, to_categorical
