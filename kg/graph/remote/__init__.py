"""Remote SPARQL servers: bounded HTTP, limits, strict results, the endpoint graph, Graph Store uploads."""
