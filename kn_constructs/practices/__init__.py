"""The practice catalogue (``KN-…`` IDs) as data."""

from kn_constructs.practices.catalogue import PRACTICES, Enforcement, Practice, practice

__all__ = ["PRACTICES", "Enforcement", "Practice", "practice"]
