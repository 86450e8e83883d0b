"""Which paths are protected from writes, and which reads look like secrets. No imports from tools/: the tools
use it too."""

from __future__ import annotations

import os
import re
from pathlib import Path

# Writes into these (at any depth of the workspace) always ask, in every mode: they run code or set permissions
# the next time git, Tandem or an editor starts.
PROTECTED_DIRS = frozenset({".git", ".tandem", ".vscode", ".idea", ".zed", ".helix"})
PROTECTED_FILES = frozenset({".nvim.lua", ".nvimrc", ".exrc", ".envrc"})

_SECRET_NAME = re.compile(
    r"^(\.env(\..*)?|\.envrc|.*\.pem|.*\.key|id_[A-Za-z0-9_-]+|.*\.p12|.*\.pfx|\.netrc|\.git-credentials|\.npmrc"
    r"|\.pypirc|credentials(\.json)?)$")
_NOT_SECRET = re.compile(r"^\.env\.(example|sample|template|dist|defaults)$")
# Folders in the home directory that hold credentials: reads ask, and the sandbox hides them.
HOME_SECRET_DIRS = (".ssh", ".aws", ".gnupg", ".azure", ".kube", ".docker", ".config/gcloud", ".config/gh",
                    ".password-store", ".local/share/keyrings")
HOME_SECRET_FILES = (".netrc", ".git-credentials", ".npmrc", ".pypirc", ".config/tandem/credentials")


def real(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.realpath(path))


def inside(path: str | os.PathLike[str], root: Path) -> bool:
    """True if the path, with every symlink followed, is the root or under it."""
    p = real(path)
    return p == root or root in p.parents


def protected_part(path: str | os.PathLike[str], root: Path) -> str | None:
    """Why a write to `path` is protected: 'outside the workspace', or the protected folder or file it touches;
    None when it is an ordinary file of the workspace. Symlinks are followed (a link inside that leads out is
    outside)."""
    p = real(path)
    if not (p == root or root in p.parents):
        return "outside the workspace"
    for part in p.relative_to(root).parts:
        if part in PROTECTED_DIRS:
            return f"{part}/"
    if p.name in PROTECTED_FILES:
        return p.name
    # the path as written, too: `.git` reached through a symlink named otherwise is caught above by realpath;
    # a symlink named `.vscode` pointing inside the workspace is caught here
    for part in Path(os.path.normpath(path)).parts:
        if part in PROTECTED_DIRS or part in PROTECTED_FILES:
            return part
    return None


def looks_secret(path: str | os.PathLike[str]) -> bool:
    """A file whose name (or real name) says it holds credentials, or a file in a home credentials folder."""
    p = Path(os.path.normpath(path))
    names = {p.name, real(p).name}
    if any(_SECRET_NAME.match(n) and not _NOT_SECRET.match(n) for n in names):
        return True
    home = Path(os.path.expanduser("~"))
    r = real(p)
    return any(r == home / d or (home / d) in r.parents for d in HOME_SECRET_DIRS) or any(
        r == home / f for f in HOME_SECRET_FILES)
