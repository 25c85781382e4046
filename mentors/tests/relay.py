"""A reverse proxy in front of the live server, for the field app's browser tests.

The phone talks to the relay; the relay forwards each request to the live server and passes
the reply back. A test can read the bodies it forwarded (what the phone really sent), take the
site down (every connection closed at once, as with no signal), or drop the reply of the next
POSTs to a path after the server has handled them (the reply lost on the way back).
"""

import http.client
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class Relay:
    def __init__(self, target_url: str, *, keep_alive: bool = False):
        target = urlsplit(target_url)
        self.keep_alive = keep_alive
        self.replies: list[tuple[str, int]] = []  # (path, bytes of the reply) of every request answered
        self.target = (target.hostname, target.port)
        self.posts: list[tuple[str, dict, bytes]] = []  # (path, headers, body) of every POST forwarded
        self.down = False
        self._drop: dict[str, int] = {}
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                if relay.down:
                    self.close_connection = True
                    self.connection.close()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if len(body) < length:
                    # The phone gave up mid-upload (tab closed): the server never sees half a request.
                    self.close_connection = True
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                path = self.path.split("?", 1)[0]
                if self.command == "POST":
                    with relay._lock:
                        relay.posts.append((path, headers, body))
                upstream = http.client.HTTPConnection(*relay.target, timeout=120)
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                upstream.close()
                if self.command == "POST" and relay._take_drop(path):
                    # The server has stored it; the phone never hears back.
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response_only(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                if not relay.keep_alive:
                    # A fresh connection for each request: Chromium silently sends a request again
                    # when a kept-alive connection closes without a reply, hiding a dropped reply.
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(data)
                with relay._lock:
                    relay.replies.append((path, len(data)))

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _forward

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the phone went away mid-request (the test took the signal away): expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _take_drop(self, path: str) -> bool:
        with self._lock:
            left = self._drop.get(path, 0)
            if left:
                self._drop[path] = left - 1
            return bool(left)

    def drop_replies(self, path: str, count: int = 1) -> None:
        """Forward the next `count` POSTs to `path`, then close the connection instead of replying."""
        with self._lock:
            self._drop[path] = self._drop.get(path, 0) + count

    def posts_to(self, path: str) -> list[tuple[dict, bytes]]:
        with self._lock:
            return [(headers, body) for p, headers, body in self.posts if p == path]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def multipart_parts(headers: dict, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """(field name, file name, content) of each part of a multipart/form-data body."""
    content_type = next(v for k, v in headers.items() if k.lower() == "content-type")
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return [
        (part.get_param("name", header="content-disposition"), part.get_filename(), part.get_payload(decode=True))
        for part in message.iter_parts()
    ]
