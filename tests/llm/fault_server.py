#!/usr/bin/env python3
"""An OpenAI-compatible chat-completions server that misbehaves on purpose.

Listens on 127.0.0.1 only (port 0: the kernel picks one, written to
--port-file), serves each request in a thread, and stops by itself after
--lifetime seconds.  The misbehaviour is chosen by the URL: a model whose
base_url is http://127.0.0.1:PORT/MODE/v1 gets MODE for every request:

  ok        a full rewrite (Taylor polynomial of exp, random degree), usage
  diff      a SEARCH/REPLACE block on the parent's return line, usage
  reasoning reasoning_content + a rewrite, no usage at all
  r429      429 with Retry-After: 1 the first time a request body is seen,
            ok when the same body comes again (the retry)
  e500      500 with an HTML body, always
  e503      503 with an HTML body the first time a body is seen, then ok
  flaky     500 during its first 1.5 s, then ok (breaker pause + resume)
  hang      holds the request for 6 s without answering (past the timeout)
  drip      sends a body one byte every 300 ms (past the timeout)
  partial   Content-Length larger than the body, then closes
  truncjson 200 with JSON cut in the middle (length consistent)
  malformed 200 with text that is not JSON
  empty     200 with "choices": []
  null      200 with "content": null
  nocode    200 with prose and no code
  nocompile 200 with a rewrite that does not compile
  system    200 with a rewrite calling system("touch --pwned")
  huge      200 with an 8 MiB body
  close     closes the connection without an answer
  nomatch   200 with a SEARCH block that matches nothing
  length    200 with finish_reason "length" (answer cut at max_tokens)
  leak      400 whose error message echoes the Authorization header
  slow      a rewrite after --slow-s seconds (requests in flight, benchmarks)

Every request is tallied in --stats-file (JSON: per mode, the number of
requests, how many carried "Authorization: Bearer <--expect-key>", and the
most requests of that mode being served at once).
"""
import argparse
import json
import random
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATS = {}
SEEN = set()
BORN = {}
LOCK = threading.Lock()
ARGS = None


def taylor(deg):
    coef = [1.0]
    for k in range(1, deg + 1):
        coef.append(coef[-1] / k)
    expr = repr(coef[-1])
    for c in reversed(coef[:-1]):
        expr = "%r + x * (%s)" % (c, expr)
    return expr


def rewrite(deg):
    return ("```c\n/* degree %d */\ndouble f(double x)\n{\n\treturn %s;\n}\n```\n" % (deg, taylor(deg)))


def parent_code(body):
    try:
        msgs = body.get("messages", [])
        text = msgs[-1]["content"]
    except Exception:
        return ""
    m = re.search(r"```c\n(.*?)```", text, re.S)
    return m.group(1) if m else ""


def completion(content, finish="stop", usage=True, extra=None):
    msg = {"role": "assistant", "content": content}
    if extra:
        msg.update(extra)
    j = {"id": "chatcmpl-x", "object": "chat.completion", "model": "m",
         "choices": [{"index": 0, "message": msg, "finish_reason": finish}]}
    if usage:
        j["usage"] = {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200}
    return json.dumps(j).encode()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hung up early (timeouts, aborted huge bodies) is expected


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        try:
            self.answer()
        finally:
            with LOCK:
                mode = self.path.strip("/").split("/")[0]
                if mode in STATS:
                    STATS[mode]["active"] -= 1
                with open(ARGS.stats_file, "w") as f:
                    json.dump(STATS, f)

    def answer(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(min(n, 4 << 20))
        try:
            body = json.loads(raw)
        except Exception:
            body = {}
        mode = self.path.strip("/").split("/")[0]
        auth = self.headers.get("Authorization", "")
        with LOCK:
            s = STATS.setdefault(mode, {"requests": 0, "with_key": 0, "active": 0, "max_active": 0})
            s["requests"] += 1
            s["active"] += 1
            s["max_active"] = max(s["max_active"], s["active"])
            first_seen = (mode, raw) not in SEEN
            SEEN.add((mode, raw))
            born = BORN.setdefault(mode, time.monotonic())
            if ARGS.expect_key and auth == "Bearer " + ARGS.expect_key:
                s["with_key"] += 1
            with open(ARGS.stats_file, "w") as f:
                json.dump(STATS, f)
        deg = random.randint(4, 13)
        html = b"<html><body><h1>Server Error</h1>upstream overloaded</body></html>"
        if mode == "ok":
            return self.send(200, completion(rewrite(deg)))
        if mode == "slow":
            time.sleep(ARGS.slow_s)
            return self.send(200, completion(rewrite(deg)))
        if mode == "diff":
            code = parent_code(body)
            ret = [l for l in code.split("\n") if "return" in l]
            if not ret:
                return self.send(200, completion(rewrite(deg)))
            ans = "<<<<<<< SEARCH\n%s\n=======\n\treturn %s;\n>>>>>>> REPLACE\n" % (ret[0], taylor(deg))
            return self.send(200, completion(ans))
        if mode == "reasoning":
            return self.send(200, completion(rewrite(deg), usage=False,
                                             extra={"reasoning_content": "```c\nint bogus(\n```",
                                                    "reasoning": "thinking..."}))
        if mode == "r429":
            if first_seen:
                return self.send(429, b'{"error":{"message":"rate limited"}}', headers={"Retry-After": "1"})
            return self.send(200, completion(rewrite(deg)))
        if mode == "e500":
            return self.send(500, html, "text/html")
        if mode == "e503":
            if first_seen:
                return self.send(503, html, "text/html")
            return self.send(200, completion(rewrite(deg)))
        if mode == "flaky":
            if time.monotonic() - born < 1.5:
                return self.send(500, html, "text/html")
            return self.send(200, completion(rewrite(deg)))
        if mode == "hang":
            time.sleep(6)
            self.close_connection = True
            return
        if mode == "drip":
            payload = completion(rewrite(deg))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            try:
                for i in range(min(len(payload), 20)):
                    self.wfile.write(payload[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.3)
            except Exception:
                pass
            self.close_connection = True
            return
        if mode == "partial":
            payload = completion(rewrite(deg))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload) + 500))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "truncjson":
            payload = completion(rewrite(deg))
            return self.send(200, payload[: len(payload) // 2])
        if mode == "malformed":
            return self.send(200, b"this is not json {]", "text/plain")
        if mode == "empty":
            return self.send(200, b'{"id":"x","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":0}}')
        if mode == "null":
            return self.send(200, b'{"choices":[{"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}')
        if mode == "nocode":
            return self.send(200, completion("I believe the program is already optimal; no change."))
        if mode == "nocompile":
            return self.send(200, completion("```c\ndouble f(double x)\n{\n\treturn x +* ;\n}\n```\n"))
        if mode == "system":
            return self.send(200, completion(
                "```c\nint system(const char *);\ndouble f(double x)\n{\n\tsystem(\"touch %s\");\n"
                "\treturn 1.0 + x;\n}\n```\n" % ARGS.pwned))
        if mode == "huge":
            pad = b"x" * (8 << 20)
            return self.send(200, b'{"choices":[{"message":{"content":"' + pad + b'"}}]}')
        if mode == "close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except Exception:
                pass
            return
        if mode == "nomatch":
            return self.send(200, completion(
                "<<<<<<< SEARCH\n\treturn this_line_is_not_there;\n=======\n\treturn 1.0;\n>>>>>>> REPLACE\n"))
        if mode == "length":
            return self.send(200, completion("```c\ndouble f(double x)\n{\n\treturn 1.0 + x * (1.0 +", finish="length"))
        if mode == "leak":
            msg = json.dumps({"error": {"message": "invalid key: %s" % auth}}).encode()
            return self.send(400, msg)
        return self.send(404, b'{"error":{"message":"unknown mode"}}')


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--stats-file", required=True)
    ap.add_argument("--expect-key", default="")
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--slow-s", type=float, default=3)
    ap.add_argument("--pwned", default="disco-pwned", help="file the system() answer tries to create")
    ARGS = ap.parse_args()
    Server.request_queue_size = 256
    srv = Server(("127.0.0.1", 0), Handler)
    with open(ARGS.stats_file, "w") as f:
        json.dump({}, f)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    threading.Timer(ARGS.lifetime, srv.shutdown).start()
    srv.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
