"""The command-line driver: ``comity NOUN VERB``, one module per noun."""
