"""The graphs every door reads: the embedded graph, the workspace on disk with its generations, and remote endpoints."""
