"""Tests of the API under /api/v1/."""
