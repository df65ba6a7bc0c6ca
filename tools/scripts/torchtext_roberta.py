"""torchtext's RoBERTa classes without torchtext/__init__.py, whose C++ extension (tokenizers, not
needed here) does not load in Debian's python3-torchtext 0.14. Shared by export_op_models.py and
zoo_reference.py."""

import sys
import types

TORCHTEXT = "/usr/lib/python3/dist-packages/torchtext"


def roberta_classes():
    """(RobertaEncoderConf, RobertaModel), imported past torchtext's package __init__."""
    for name, path in (("torchtext", TORCHTEXT), ("torchtext.models", TORCHTEXT + "/models"),
                       ("torchtext.models.roberta", TORCHTEXT + "/models/roberta")):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [path]
            sys.modules[name] = module
    from torchtext.models.roberta.model import RobertaEncoderConf, RobertaModel
    return RobertaEncoderConf, RobertaModel
