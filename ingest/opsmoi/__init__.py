"""Readers for OPSMOI's deliveries."""
