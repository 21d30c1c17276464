"""Media: the blob store, capture helpers, OCR (issue 12)."""
