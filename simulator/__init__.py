"""The agency data simulator: realistic deliveries of DOPA, CDD, DLA and OPS MOI, with ground truth."""
