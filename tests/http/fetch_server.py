#!/usr/bin/env python3
"""fetch_server.py - the HTTP peer of the file cache tests (it_file_cache.sh).

Listens on 127.0.0.1 (a free port, written to --port-file) and logs one line per
request ("GET /path") to --log, flushed at once, so a test can count downloads.

  /files/NAME        a file of --root (Content-Length), after ?delay=SECONDS
  /fail              500
  /slow              200, then one byte a second for a minute
  /huge?n=BYTES      BYTES bytes with Content-Length
  /stream?n=BYTES    BYTES bytes chunked, no Content-Length
  /redirect/N        302 to /redirect/N-1 ... /redirect/0 answers 200 "arrived"
  /to?url=URL        302 to URL (anywhere: another host, a private address)
"""
import argparse
import http.server
import os
import sys
import threading
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the request log replaces stderr logging
        pass

    def _log(self):
        with self.server.log_lock:
            with open(self.server.log_path, "a") as f:
                f.write("%s %s\n" % (self.command, self.path))

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._log()
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        p = u.path
        if p.startswith("/files/"):
            name = os.path.basename(p[len("/files/"):])
            full = os.path.join(self.server.root, name)
            if "delay" in q:
                time.sleep(float(q["delay"][0]))
            if not name or not os.path.isfile(full):
                return self._send(404, b"not found\n")
            with open(full, "rb") as f:
                return self._send(200, f.read())
        if p == "/fail":
            return self._send(500, b"boom\n")
        if p == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "60")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            return
        if p == "/huge":
            return self._send(200, b"h" * int(q["n"][0]))
        if p == "/stream":
            n = int(q["n"][0])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                chunk = b"s" * 65536
                while n > 0:
                    c = chunk[:n]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                    n -= len(c)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            return
        if p.startswith("/redirect/"):
            n = int(p[len("/redirect/"):])
            if n == 0:
                return self._send(200, b"arrived\n")
            return self._send(302, b"", [("Location", "/redirect/%d" % (n - 1))])
        if p == "/to":
            return self._send(302, b"", [("Location", q["url"][0])])
        return self._send(404, b"not found\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.handle_error = lambda request, address: None  # clients hang up on purpose
    srv.root = a.root
    srv.log_path = a.log
    srv.log_lock = threading.Lock()
    open(a.log, "w").close()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
