"""The one exception tree of BrandPulse.

::

    BrandPulseError                 anything BrandPulse raises on purpose
    ├── ConfigError                 the config file or a command-line value is wrong (exit 2)
    ├── SourceError                 a source (listener or crawl) failed; others go on
    ├── StorageError                the database cannot be opened, migrated or written (exit 1)
    └── DeliveryError               an alert, digest or report could not be delivered

Every message names what failed and how to fix it, in one line, and never contains a
secret (passwords, tokens, webhook URLs). The CLI maps these to exit codes once; no
traceback reaches a user for an expected failure.
"""

from __future__ import annotations


class BrandPulseError(Exception):
    """Root of every error BrandPulse raises on purpose (an expected failure)."""


class ConfigError(BrandPulseError):
    """The configuration (file, environment, command line) is invalid."""


class SourceError(BrandPulseError):
    """A source failed to deliver mentions (network, upstream, parsing, credentials)."""


class StorageError(BrandPulseError):
    """The database is missing, unreachable, locked or not migratable."""


class DeliveryError(BrandPulseError):
    """An alert, digest or report could not be delivered to a recipient."""
