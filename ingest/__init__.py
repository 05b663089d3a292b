"""Ingest: every delivery, from the landing folder or the agencies' APIs, into the raw archive.

Plain functions, no Dagster: `orchestration/` wraps them in assets. Each reader turns one
dataset into an Arrow table of text columns exactly as delivered, plus lineage.
"""
