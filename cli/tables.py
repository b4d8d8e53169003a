"""Tables for an 80-column terminal: the title first and folded, few columns by default, the rest
with `--wide`. Column specs in, a rich `Table` out; cells are escaped by the callers' builders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.table import Table

TIER_STYLE = {"general": "cyan", "significant": "yellow", "major": "bold red", "critical": "bold white on red"}


@dataclass(frozen=True)
class Column:
    """One column: its header, whether it is shown only with `--wide`, and its alignment."""

    header: str
    wide_only: bool = False
    numeric: bool = False
    grows: bool = False  # the title: takes the width left, folded onto more lines


def build_table(title: str, columns: Sequence[Column], rows: Iterable[Sequence[str]], *, wide: bool) -> Table:
    """A table of the columns shown at this width; each row holds a cell for every column."""
    shown = [i for i, column in enumerate(columns) if wide or not column.wide_only]
    table = Table(title=title, header_style="bold", expand=False)
    for i in shown:
        column = columns[i]
        table.add_column(column.header, justify="right" if column.numeric else "left",
                         overflow="fold", ratio=1 if column.grows else None,
                         min_width=16 if column.grows else None, no_wrap=not column.grows)
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    return table


def tier_cell(tier: str | None, label: str | None, *, wide: bool) -> str:
    """"重大" coloured by tier ("major 重大" when wide); "—" for a story without a tier."""
    if not tier:
        return "—"
    text = f"{tier} {label}" if wide else (label or tier)
    return f"[{TIER_STYLE.get(tier, 'bold')}]{text}[/]"


STORY_COLUMNS = (
    Column("title", grows=True), Column("tier"), Column("sites", numeric=True),
    Column("clicks 24h", numeric=True), Column("reposts", numeric=True), Column("id", numeric=True),
)
