"""Parameter checks shared by every stage config (``__post_init__``)."""

from __future__ import annotations


def check_range(name: str, value: float, low: float, high: float | None = None, *,
                low_open: bool = False) -> None:
    """Raise ``ValueError`` naming the parameter, its value and the allowed interval.

    Args:
        name: Parameter name, as the user knows it.
        value: The value given.
        low: Smallest allowed value (excluded when ``low_open``).
        high: Largest allowed value (included); ``None`` for no upper bound.
        low_open: Whether ``low`` itself is excluded.

    Raises:
        ValueError: e.g. ``threshold must be in (0.0, 1.0], got 2.0``.
    """
    above = low < value if low_open else low <= value
    if above and (high is None or value <= high):
        return
    interval = f"{'(' if low_open else '['}{low}, {'inf)' if high is None else f'{high}]'}"
    raise ValueError(f"{name} must be in {interval}, got {value!r}")
