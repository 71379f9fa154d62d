"""The pure core of Comity: values, the catalogue model, requests, workflow and deadlines.

Nothing here performs I/O, reads the clock or draws random numbers: time and ids are passed in.
"""
