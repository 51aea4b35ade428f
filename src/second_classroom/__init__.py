"""Second Classroom (第二课堂): red education records to a study guide.

The core package knows nothing about any site engine: it loads and checks YAML records,
builds a catalog, renders pages and exports outlines. `hooks/` adapts it to MkDocs.
"""

__version__ = "0.1.0"
