"""Benchmarks (`make bench`): each module's main() prints its figures; never run as tests."""
