"""The data contracts: the four canonical tables (Pandera models and the YAML files people read)."""

from cimlab.contracts.models import *  # noqa: F403
from cimlab.contracts.models import __all__  # noqa: F401
