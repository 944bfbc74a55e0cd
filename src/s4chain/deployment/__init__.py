"""Deploying the S4 contract sets."""
