"""Dagster definitions: thin assets over the plain functions of ingest/ (and later dbt, checks,
publish). `dagster dev -m orchestration.definitions` loads the same definitions `muban run` runs."""
