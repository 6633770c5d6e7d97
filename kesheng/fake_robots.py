"""A local stand-in for the 企业微信 and 钉钉 group-robot endpoints, for tests and trying alerts out.

It answers as the real robots do (HTTP 200 with {"errcode", "errmsg"}), checks a 钉钉 robot's 加签
signature and timestamp, and keeps every message it accepted. `busy` makes it refuse the next
messages with the robots' rate-limit code, as a group that receives more than 20 a minute sees.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlparse

RATE_LIMITED = 45009  # both robots: too many messages a minute
BAD_SIGNATURE = 310000  # 钉钉: sign not match / timestamp too old


@dataclass
class RobotInbox:
    """What the fake robots received, by robot: "wecom" or "dingtalk"."""

    dingtalk_secret: str | None = None
    busy: int = 0  # refuse this many more messages as rate-limited
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"wecom": [], "dingtalk": []})
    refused: list[tuple[str, int]] = field(default_factory=list)


class FakeRobots:
    """`with FakeRobots(secret) as robots:` — robots.wecom_url and robots.dingtalk_url take messages."""

    def __init__(self, dingtalk_secret: str | None = None) -> None:
        self.inbox = RobotInbox(dingtalk_secret)
        inbox = self.inbox

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                url = urlparse(self.path)
                robot = "wecom" if url.path.startswith("/cgi-bin/webhook/send") else "dingtalk"
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                code = _check(inbox, robot, parse_qs(url.query), body)
                if code:
                    inbox.refused.append((robot, code))
                else:
                    inbox.messages[robot].append(body)
                answer = json.dumps({"errcode": code, "errmsg": "ok" if code == 0 else "refused"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = self._server.server_port
        self.wecom_url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=test-key"
        self.dingtalk_url = f"http://127.0.0.1:{port}/robot/send?access_token=test-token"

    def __enter__(self) -> FakeRobots:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()


def _check(inbox: RobotInbox, robot: str, query: dict[str, list[str]], body: dict[str, Any]) -> int:
    """The errcode the real robot would answer (0: accepted)."""
    if inbox.busy > 0:
        inbox.busy -= 1
        return RATE_LIMITED
    if body.get("msgtype") not in ("text", "markdown"):
        return 40008  # invalid message type
    if robot == "dingtalk" and inbox.dingtalk_secret:
        timestamp = (query.get("timestamp") or [""])[0]
        sign = (query.get("sign") or [""])[0]
        mac = hmac.new(inbox.dingtalk_secret.encode(), f"{timestamp}\n{inbox.dingtalk_secret}".encode(), hashlib.sha256)
        fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600_000
        if not fresh or not hmac.compare_digest(sign, base64.b64encode(mac.digest()).decode()):
            return BAD_SIGNATURE
    return 0
