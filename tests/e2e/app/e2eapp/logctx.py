"""The connection a log line belongs to, on every line the app writes.

Concurrent WebSocket sessions interleave their lines; the seeds' messages name a path and
a user but nothing that tells two sessions of one user apart. Many deployments put the
client's address on each line with a logging filter, as here: `client=127.0.0.1:51234`
before the message, the same `ip:port` Daphne and uvicorn write in their access lines.
Behind a proxy without a forwarded port the scope says port 0, which names no one; a
proxy that sends a request id (nginx's `proxy_set_header X-Request-ID $request_id`, also in
its access log) gets it written too (`request_id=...`), as request-id middlewares do.

E2E_KEYLESS=1 leaves it out, to test logweave on the seeds' key-less lines."""
import contextvars
import logging
import os

CLIENT = contextvars.ContextVar("e2e_client", default=None)
KEYLESS = os.environ.get("E2E_KEYLESS") == "1"


def bind(scope):
    """Name the connection of this task (each ASGI connection runs in its own task,
    which copies the context: a value set here never leaks into another session)."""
    if KEYLESS:
        return
    tags = []
    client = scope.get("client")
    if client:
        tags.append(f"client={client[0]}:{client[1]}")
    rid = dict(scope.get("headers") or []).get(b"x-request-id")
    if rid:
        tags.append(f"request_id={rid.decode('latin-1')}")
    if tags:
        CLIENT.set(" ".join(tags))


class ClientFilter(logging.Filter):
    """Fills %(conn)s with `client=ip:port ` (and `request_id=...`) inside a connection,
    else nothing."""

    def filter(self, record):
        client = CLIENT.get()
        record.conn = f"{client} " if client else ""
        return True
