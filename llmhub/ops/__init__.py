"""Operating the fleet: Prometheus metrics, the /metrics endpoint and the staff health page."""
