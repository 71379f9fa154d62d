"""Comity: a node of the platform through which States cooperate against ICT crime.

Importing the package has no side effects; everything is built by ``comity.bootstrap``.
"""

__version__ = "0.1.0"
