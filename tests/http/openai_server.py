#!/usr/bin/env python3
"""openai_server.py - a local OpenAI-compatible /v1/embeddings stand-in for the
embedding tests (it_embed.sh).

  openai_server.py PORT LOG

Listens on 127.0.0.1:PORT (threaded) and appends one line per request to LOG,
flushed at once:  "<model> n=<inputs> auth=<Authorization header or ->".

The model name picks the behaviour; anything after a ':' is a tag that keeps the
state of one test case apart from another's ("ratelimit-once:t1"):
  ok                 200: per input, 8 numbers derived from its text (below), the
                     items in reverse order, each with its "index"
  ratelimit-once     the first request 429 with Retry-After: 1, then as ok
  unavailable-once   the first request 503 with Retry-After: 1, then as ok
  ratelimit-always   429 with Retry-After: 1, every time
  slow               sleeps 10 s, then as ok
  status500          500 with an OpenAI error document
  status401          401 whose message quotes the bearer token it was given
  malformed-json     200, a body that is not JSON
  malformed-nodata   200, {"object": "list"}
  malformed-count    200, one item fewer than the inputs
  malformed-index    200, every item with index 0
  malformed-number   200, a string inside an embedding
  malformed-dims     200, the last item one number longer
The vector of a text: h = FNV-1a (32-bit) of its UTF-8 bytes, element k =
((h >> 4k) & 15) - 7.5, so every element is exact in a float.
"""
import http.server
import json
import sys
import threading
import time


def vector(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return [((h >> (4 * k)) & 15) - 7.5 for k in range(8)]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the request log replaces stderr logging
        pass

    def _send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _first(self, model):
        """True the first time this model (with its tag) is asked for."""
        with self.server.lock:
            seen = model in self.server.seen
            self.server.seen.add(model)
        return not seen

    def _error(self, status, message, headers=()):
        self._send(status, {"error": {"message": message, "type": "test",
                                      "code": status}}, headers)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        auth = self.headers.get("Authorization", "-")
        try:
            req = json.loads(raw)
            model, inputs = req["model"], req["input"]
            assert isinstance(inputs, list)
        except (ValueError, KeyError, AssertionError, TypeError):
            return self._error(400, "bad request body")
        with self.server.lock:
            with open(self.server.log_path, "a") as f:
                f.write("%s n=%d auth=%s\n" % (model, len(inputs), auth))
        if self.path != "/v1/embeddings":
            return self._error(404, "no route " + self.path)
        kind = model.split(":", 1)[0]
        retry = [("Retry-After", "1")]
        if kind == "ratelimit-once" and self._first(model):
            return self._error(429, "Rate limit reached, slow down", retry)
        if kind == "unavailable-once" and self._first(model):
            return self._error(503, "Overloaded", retry)
        if kind == "ratelimit-always":
            return self._error(429, "Rate limit reached, slow down", retry)
        if kind == "status500":
            return self._error(500, "The server had an error")
        if kind == "status401":
            return self._error(401, "Incorrect API key provided: %s." % auth[7:])
        if kind == "slow":
            time.sleep(10)
        if kind == "malformed-json":
            return self._send(200, b'{"data": [')
        if kind == "malformed-nodata":
            return self._send(200, {"object": "list"})
        data = [{"object": "embedding", "index": i, "embedding": vector(t)}
                for i, t in enumerate(inputs)]
        if kind == "malformed-count":
            data = data[:-1]
        elif kind == "malformed-index":
            for d in data:
                d["index"] = 0
        elif kind == "malformed-number" and data:
            data[0]["embedding"][3] = "0.5"
        elif kind == "malformed-dims" and data:
            data[-1]["embedding"].append(1.0)
        data.reverse()  # the client must place items by their index
        self._send(200, {"object": "list", "data": data, "model": model,
                         "usage": {"prompt_tokens": 1, "total_tokens": 1}})


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: openai_server.py PORT LOG")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    srv.daemon_threads = True
    srv.log_path = sys.argv[2]
    srv.lock = threading.Lock()
    srv.seen = set()
    srv.serve_forever()


if __name__ == "__main__":
    main()
