"""Console commands of core (run as `dangjian <command>`)."""
