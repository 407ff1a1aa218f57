"""The web inbox: a server-rendered face of the command-line inbox (``brandpulse web``).

Same database, same service (:class:`brandpulse.inbox.Inbox`): the pages list and work
alerts, show a mention with its reply outline and history, the competitor report, source
health and what changed since the last visit; a JSON API with per-user tokens.
"""

from brandpulse.web.app import create_app

__all__ = ["create_app"]
