"""Media: the content-addressed blob store (store.py; settings in settings.py), capture helpers, OCR
(issue 12)."""
