"""党建云 (dangjian): party committee campaign and branch-work platform."""
