"""Delivery outbox overhead: N urgent alerts sent one message each to a local webhook
receiver through the outbox (enqueue, claim, send, record), against the baseline of the
same N messages sent by ``digest.send.send_message`` alone, in the same run.

Run: ``python benchmarks/bench_delivery.py [--alerts 200] [--postgres URL]``. Prints
messages per second for both and the ratio (outbox time / plain sends).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from delivery_servers import WebhookReceiver  # noqa: E402
from test_delivery import add_alerts, make_pipeline, route, write_config  # noqa: E402

from digest.render import Rendered  # noqa: E402
from digest.send import send_message  # noqa: E402


def bench(db_url: str, n: int, tmp: Path) -> tuple[float, float]:
    with WebhookReceiver() as hooks:
        path = write_config(
            tmp,
            db_url,
            routes=route("now", [hooks.apprise_url()]),
            extra='[analysis]\nbackend = "vader"\n',
        )
        pipeline = make_pipeline(path)
        add_alerts(pipeline, [50.0] * n)
        doc = Rendered("subject", "<p>body</p>" * 50, "body")
        send_message(doc, hooks.apprise_url("/warmup"))  # imports and plugin loading

        def plain_sends() -> float:
            start = time.perf_counter()
            for i in range(n):
                send_message(doc, hooks.apprise_url("/plain"), idempotency_key=f"k{i}")
            return time.perf_counter() - start

        before = plain_sends()
        start = time.perf_counter()
        _, results, _ = pipeline.deliver(digest=False)
        outbox = time.perf_counter() - start
        after = plain_sends()  # before and after: the machine's load moves in between
        plain = (before + after) / 2
        assert len(results) == n and all(r.ok for r in results)
        assert len(hooks.requests) == 3 * n + 1
    return plain, outbox


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--postgres", default=None, help="an empty PostgreSQL database URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        if args.postgres:
            targets.append(("postgresql", args.postgres))
        for name, url in targets:
            sub = Path(tmp) / name
            sub.mkdir()
            plain, outbox = bench(url, args.alerts, sub)
            print(
                f"{name}: {args.alerts} messages — plain sends {args.alerts / plain:.0f}/s, "
                f"through the outbox {args.alerts / outbox:.0f}/s "
                f"(outbox/plain time ratio {outbox / plain:.2f})"
            )


if __name__ == "__main__":
    main()
