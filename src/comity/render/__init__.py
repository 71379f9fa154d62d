"""The rendering adapter: Jinja2 templates (shared with the web pages) drawn as PDF/A by
WeasyPrint. Drivers never import it; services reach it through ``OriginalRenderer``."""
