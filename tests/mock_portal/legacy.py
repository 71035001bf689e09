"""A TestClient that sends forms the way a browser does on a legacy-mode page: in GBK,
with the hidden token of the last page it was shown."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi.testclient import TestClient

from mock_portal.tokens import FIELD

TOKEN = re.compile(r'name="' + re.escape(FIELD) + r'" value="([^"]+)"')
FORM = {"content-type": "application/x-www-form-urlencoded"}


class GbkClerk:
    """``get``/``post`` like a TestClient (the walks in walk.py take either)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token = ""

    def _seen(self, response: httpx.Response) -> httpx.Response:
        tokens = TOKEN.findall(response.text)
        if tokens:
            self.token = tokens[-1]
        return response

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self._seen(self.client.get(url, **kw))

    def post(self, url: str, data: dict[str, str] | None = None, token: str | None = None,
             **kw: Any) -> httpx.Response:
        fields = {**(data or {}), FIELD: self.token if token is None else token}
        body = urlencode(fields, encoding="gbk")
        return self._seen(self.client.post(url, content=body, headers=FORM, **kw))
