"""Collector stage, forum families: one module per forum software, page text → posts."""
