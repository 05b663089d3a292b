"""Readers for DOPA's deliveries."""
