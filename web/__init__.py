"""Web adapters: HTTP in, domain calls, HTTP out (Open311 GeoReport v2; pages as they come)."""
