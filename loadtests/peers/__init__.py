"""CSMS peers that the load tests compare evgw with (same simulator, same machine, same run)."""
