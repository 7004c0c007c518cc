"""Named queries and their answers: the .rq catalogue, parameters bound as RDF terms, prologue, results, formats."""
