from __future__ import annotations

import asyncio

from layerwalk.api.events import EventBroker, event_stream


def test_event_stream_delivers_published_events_and_ends_on_close():
    async def run():
        broker = EventBroker()
        stream = event_stream(broker, heartbeat=0.05)
        assert (await anext(stream)).startswith("retry:")  # subscribed before the first line: nothing is lost
        pending = asyncio.ensure_future(anext(stream))
        broker.publish("input", {"network": "n0", "version": 3})
        text = await pending
        assert text.startswith("event: input\n") and '"version":3' in text
        assert await anext(stream) == ": heartbeat\n\n"
        broker.close()
        chunks = [c async for c in stream]
        assert all(c.startswith(":") for c in chunks)

    asyncio.run(run())


def test_publish_from_another_thread():
    import threading

    async def run():
        broker = EventBroker()
        stream = event_stream(broker, heartbeat=5, keep=lambda e, d: e == "job", last=lambda e, d: d["state"] == "done")
        await anext(stream)
        pending = asyncio.ensure_future(anext(stream))
        threading.Thread(target=lambda: [broker.publish("input", {}), broker.publish("job", {"state": "running"}),
                                         broker.publish("job", {"state": "done"})]).start()
        assert '"running"' in await pending
        rest = [c async for c in stream]
        assert len(rest) == 1 and '"done"' in rest[0]

    asyncio.run(run())
