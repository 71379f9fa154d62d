"""The only package that imports cryptographic libraries; it offers recipes, not primitives."""
