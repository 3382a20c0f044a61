"""Use cases: each takes plain values and a unit-of-work factory, and commits once."""
