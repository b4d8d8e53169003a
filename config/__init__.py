"""Composition root: settings, database, scheduler and command line of yuqing."""
