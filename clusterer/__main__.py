"""``python -m clusterer``."""

from clusterer.cli import app

app(prog_name="clusterer")
