"""Python drivers: typed functions that deploy and operate each use case's contracts."""
