"""The ASA demo alliance and the synthetic population for scale work."""
