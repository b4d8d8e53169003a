"""The one exception tree of yuqing.

    YuqingError                 anything yuqing reports to a person
    ├── ConfigError             bad or missing configuration (CLI exit code 2)
    ├── DatabaseError           schema missing or out of date, database unreachable
    ├── FetchError              a source could not be fetched (recorded on the source row)
    ├── ParseError              a fetched page or feed could not be read
    ├── AnalysisError           a scheme query or model file is unusable
    ├── DeliveryError           a channel refused or failed a message (recorded per attempt)
    └── ServiceError            the service cannot start (e.g. another instance holds the lock)

Code catches these only at the per-source or per-channel loop in a stage's jobs module,
records the error where the user can see it, and carries on.
"""

from __future__ import annotations


class YuqingError(Exception):
    """Base of every error yuqing raises on purpose; its message is for a person."""


class ConfigError(YuqingError):
    """The configuration is missing, malformed or inconsistent."""


class DatabaseError(YuqingError):
    """The database is unreachable, or its schema is missing or behind the code."""


class FetchError(YuqingError):
    """A source could not be fetched; the message says why in plain words."""


class ParseError(YuqingError):
    """A fetched document could not be parsed."""


class AnalysisError(YuqingError):
    """A scheme query, lexicon or model cannot be used."""


class DeliveryError(YuqingError):
    """A channel did not accept a message."""


class ServiceError(YuqingError):
    """The background service cannot start or run."""
