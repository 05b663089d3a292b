"""Readers for CDD's deliveries."""
