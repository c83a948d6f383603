"""sanctiongraph: entity resolution of sanctions lists, registries and customer data into a graph.

This package holds what every layer shares (settings, errors, logging) and the
command line, which sits on top of all layers. Importing it stays cheap: the CLI
lives in ``sanctiongraph.cli`` and is imported only by the console script.
"""

__version__ = "0.1.0"
