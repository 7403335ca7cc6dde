"""Avatarium: a self-hostable implementation of the Avatarium API."""

__version__ = "0.1.0"
