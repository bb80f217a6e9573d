#!/usr/bin/env python3
"""A webhook receiver for the tests: on 127.0.0.1:PORT, writes each POST body to
OUT_DIR/<n>.json and answers with STATUS."""
import http.server
import os
import sys

port, out_dir, status = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        count += 1
        tmp = os.path.join(out_dir, f".{count}.tmp")
        with open(tmp, "wb") as f:
            f.write(body)
        os.rename(tmp, os.path.join(out_dir, f"{count}.json"))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
