"""Loading: what a source is (spec, registry), the landing scan and ingest, admin units
and the audit tables."""
