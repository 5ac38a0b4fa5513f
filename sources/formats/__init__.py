"""File formats: CSV and text staging, workbooks, Vietnamese text, legacy encodings,
typed row parsing."""
