"""Where things live: names that more than one stage needs."""

DEFAULT_DATA = "site_data"  # the data folder, relative to the project (every command's default)
INDEX_DIR = "searchindex"  # the search index, under the site root (search-ui.js reads it)
NEARME_DIR = "nearme"  # the near-me files (render/nearme.py), under the site root
OPEN_DATA_DIR = "data"  # the open data files (opendata.py), under the site root
