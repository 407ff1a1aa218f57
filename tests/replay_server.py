"""The tests' local replay server: re-exported from :mod:`brandpulse.replay`.

The server moved into the package so that ``brandpulse demo`` serves its bundled
recordings with the same code; tests keep importing it from here.
"""

from brandpulse.replay import (
    Page,
    RecordedRequest,
    ReplayServer,
    Reply,
    Routes,
    load_praw_cassette,
    load_vcr_yaml,
)

__all__ = [
    "Page",
    "RecordedRequest",
    "ReplayServer",
    "Reply",
    "Routes",
    "load_praw_cassette",
    "load_vcr_yaml",
]
