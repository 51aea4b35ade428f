"""Where things live in the built site: names that more than one stage needs."""

INDEX_DIR = "searchindex"  # the search index, under the site root (search-ui.js reads it)
