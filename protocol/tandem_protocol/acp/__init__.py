"""ACP v1 wire types that Tandem speaks (a subset of the official schema, field for field)."""

from .client import *  # noqa: F403
from .content import *  # noqa: F403
from .session import *  # noqa: F403
from .tools import *  # noqa: F403
from .updates import *  # noqa: F403
