"""Package data: the essay that trains the default model and the stemmed sample (``restore.data``)."""
