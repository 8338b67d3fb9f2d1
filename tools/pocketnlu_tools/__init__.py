"""pocketnlu_tools: the host side of pocketnlu (training, compression, evaluation, benchmarks).

Installed with the `train` extra (scikit-learn, python-crfsuite, mmh3). The device package
`pocketnlu` never imports this one.

    from pocketnlu_tools import Trainer
    Trainer().fit("data/commands.csv").save("commands.pnlu")
"""
from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example, Slot
from pocketnlu_tools.trainer import Trainer

__all__ = ["Example", "OUT_OF_SCOPE", "Slot", "Trainer"]
