"""Tandem: an AI coding agent served to editors over LSP and ACP."""

__version__ = "0.1.0"
