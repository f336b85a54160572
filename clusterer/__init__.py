"""clusterer: deduplicate news feed dumps and group them into storylines."""

__version__ = "0.1.0"
