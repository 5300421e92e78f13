"""Linking cokg to other data: SSSOM mapping sets."""
