"""muban (หมู่บ้าน): one canonical village-plan warehouse out of four MOI departments' plans."""

__version__ = "0.1.0"
