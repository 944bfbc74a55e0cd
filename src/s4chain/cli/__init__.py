"""The `s4chain` command line."""
