"""Studying the graph: the claims, the participation report and its comparison, and suggested codings."""
