"""Tandem's wire protocol: msgspec Structs for ACP v1 and Tandem's `_tandem/...` extensions; imports msgspec only."""

from ._base import UNSET, UnsetType, Wire
from .acp import *  # noqa: F403
from .ext import *  # noqa: F403
from .methods import BY_NAME, METHODS, Method

PROTOCOL_VERSION = 1
