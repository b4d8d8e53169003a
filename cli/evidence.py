"""`yuqing evidence`: a story's or a post's kept pages and their manifest, written to a folder."""

from __future__ import annotations

from pathlib import Path

import click

from yuqing.cli.context import AppContext, pass_app
from yuqing.config.database import utcnow
from yuqing.service.evidence_export import EvidenceAlteredError, find_copies, write_evidence


@click.command()
@click.argument("wanted", metavar="STORY_OR_POST")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: ./evidence-<STORY_OR_POST>).")
@pass_app
def evidence(app: AppContext, wanted: str, out: Path | None) -> None:
    """Write the pages kept of a story's copies (12, story:12) or of one post (post:34, its URL),
    each as fetched, with manifest.json (SHA-256, URL, status, headers, fetch time, deleted_at) and
    SHA256SUMS; exit 1 when a kept page no longer matches its recorded hash."""
    folder = out or Path("evidence-" + "".join(c if c.isalnum() else "-" for c in wanted)[:60])
    with app.sessions()() as session:  # EvidenceNotFoundError: the entry point prints it, exit 1
        copies = find_copies(session, wanted)
        manifest = write_evidence(copies, folder, asked=wanted, now=utcnow())
    kept = sum(1 for c in manifest["copies"] if c.get("file"))
    deleted = sum(1 for c in manifest["copies"] if c.get("deleted_at"))
    click.echo(f"{folder}: {kept} of {len(manifest['copies'])} copies kept, {deleted} deleted since; "
               f"manifest.json lists their hashes, `sha256sum -c SHA256SUMS` checks them")
    altered = [c["post_id"] for c in manifest["copies"] if c.get("intact") is False]
    if altered:  # written all the same, flagged in the manifest; the entry point prints this, exit 1
        raise EvidenceAlteredError(f"the kept page of post {', '.join(map(str, altered))} no longer hashes to "
                                   "the SHA-256 recorded when it was fetched")


COMMANDS = [evidence]
