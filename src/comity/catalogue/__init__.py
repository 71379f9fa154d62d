"""The catalogue as data files shipped in the package, and the loader that checks and reads them."""

from comity.catalogue.loader import load_catalogue

__all__ = ["load_catalogue"]
