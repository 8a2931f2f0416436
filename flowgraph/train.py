"""`tf.train`: optimizers, checkpoints, the global step and learning-rate schedules.
Re-exports only."""
from .optimizer import Optimizer  # noqa: F401
from .optimizers import (AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer,  # noqa: F401
                         GradientDescentOptimizer, MomentumOptimizer, RMSPropOptimizer)
from .saver import (CheckpointState, Saver, checkpoint_exists, get_checkpoint_state,  # noqa: F401
                    latest_checkpoint, update_checkpoint_state)
from .summary import FileWriter as SummaryWriter  # noqa: F401  (TF1's oldest name)
from .training_util import (create_global_step, exponential_decay, get_global_step,  # noqa: F401
                            get_or_create_global_step, global_step)
