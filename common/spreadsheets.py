"""Text written to a CSV that people open in a spreadsheet."""

from __future__ import annotations


def spreadsheet_cell(text: str) -> str:
    """Text as a spreadsheet shows it, never run as a formula (=, +, -, @ first)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
