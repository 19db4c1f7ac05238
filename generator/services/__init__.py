"""Work that spans our database and the A1 API, one module per concept.

Views, the worker, the REST API and the gateway import the module they use
(`from generator.services import generations`); this package re-exports nothing.
"""
