"""Adapters that carry alerts out of the node: e-mail over SMTP and JSON webhooks."""
