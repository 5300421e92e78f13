"""cokg: the coproduction knowledge graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cokg")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
