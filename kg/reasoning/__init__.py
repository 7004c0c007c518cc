"""OWL reasoning over the graph's documents with Owlready2 (HermiT or Pellet), and the probe every run must pass."""
