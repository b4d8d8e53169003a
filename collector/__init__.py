"""Collection stage: sources are fetched, decoded, parsed and stored as posts with snapshots."""
