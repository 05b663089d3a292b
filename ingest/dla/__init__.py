"""Readers for DLA's deliveries."""
