"""Writing to the workspace: documents, framework sheets and observations through one checked write path."""
