"""Bring files in: read them (any format, any size), map their columns, parse and validate the values, store them."""
