"""Benchmarks of dangjian, run by `dangjian bench` (see README.md)."""
