"""Reading input safely: the bundled files, RDF documents, spreadsheets and their declared columns, SSSOM tables."""
