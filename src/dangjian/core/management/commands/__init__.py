"""Console commands of core."""
