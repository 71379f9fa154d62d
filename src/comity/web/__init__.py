"""The web driver: the JSON API (and, later, the officers' pages), built by ``create_app``."""
