"""The base of s4chain's own errors: whatever stops a command that is not a failed expectation."""

from __future__ import annotations


class S4ChainError(Exception):
    """s4chain cannot go on: bad input, an unreachable or misbehaving node, a file it cannot use. The message
    names the file, field or node at fault; the CLI prints it as one line and exits with code 2."""
