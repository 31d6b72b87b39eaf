"""Load a trained DIET model without tracing its training graph.

Rasa 3.6 rebuilds a loaded DIET model by fitting it on one example before
loading the saved weights. In graph mode that fit traces the whole training
step, CRF entity loss included: py-spy put it at 62 % of a 90 s hub start-up.
Fitting that one example eagerly builds the same weights in a second or two;
the model is switched back to graph mode before its first prediction, so
parsing stays as fast as before. Fine-tuning loads take Rasa's own path.
"""

from __future__ import annotations

import os
from typing import Any

_PATCHED = False


def use_fast_model_loading() -> None:
    """Replace ``RasaModel.load`` once per process (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
    from rasa.utils.tensorflow.models import RasaModel

    rasa_load = RasaModel.load.__func__

    def load(cls, model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> RasaModel:
        if finetune_mode:
            return rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                             *args, **kwargs)
        config = kwargs.get("config", {})
        model = cls(*args, **kwargs)
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)  # builds the weights
        model.load_weights(model_file_name)
        model.run_eagerly = bool(config.get(RUN_EAGERLY))  # predictions run as a traced graph again
        if os.environ.get("GUANJIA_NLU_AUTOGRAPH") != "1":
            # DIET's predict step branches on its config, never on tensor values, so it
            # traces the same graph without AutoGraph rewriting its source (~10 s of AST work).
            model.predict_step = tf.autograph.experimental.do_not_convert(model.predict_step)
        if predict_data_example:
            model.run_inference(predict_data_example)
        return model

    RasaModel.load = classmethod(load)
    _PATCHED = True

