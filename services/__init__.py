"""What the adapters share: the configuration (config.py) and the services built from it once
at start-up (registry.py)."""
