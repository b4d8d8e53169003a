"""Simulated sites on 127.0.0.1 for the demo, the soak benchmark and end-to-end tests.

`scenario` is the step-by-step world as data, `pages` renders it (RSS, Atom, Discuz!, a
weibo-like list), `sites` serves it over HTTP and `receiver` records webhook calls.
"""
