"""BrandPulse on several nodes (issue 18): Celery workers over one PostgreSQL database and
a broker (Redis or RabbitMQ), with one scheduler elected by a PostgreSQL advisory lock.

Modules::

    app        the Celery app and its settings from ``[engine]`` (acks late, reject on
               worker lost, prefetch 1, JSON only)
    node       what one worker process holds: config, engine, repository, analyzer
    tasks      collect one source, crawl one start URL, analyse a claimed batch, alerts
               and deliveries, the digest; retries with backoff, dead letters
    leader     ``brandpulse scheduler``: leader election and per-slot dispatch
    ratelimit  the per-domain token bucket in Redis shared by crawl tasks
    status     workers, queue depth, leader, claims and dead letters for ``status``
    metrics    per-node Prometheus metrics (``--metrics-listen``) from Celery signals

Needs the ``distributed`` extra (celery, redis); the single-process mode does not.
"""
