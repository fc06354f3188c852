"""Request bodies as the Bot API accepts them: query string, urlencoded, JSON or multipart."""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote

from fakegram.api import decode_params

API_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
FILE_PATH = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


def match_path(path: str) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """(API call match, file download match) for a request path, percent-decoded."""
    path = unquote(path)
    return API_PATH.match(path), FILE_PATH.match(path)


class NamedFiles(dict[str, bytes]):
    """The files uploaded, by their form field; `names`: the filename each was sent under."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}


def parse_body(
    content_type: str, body: bytes, query: str = ""
) -> tuple[dict[str, Any], dict[str, bytes]]:
    raw: dict[str, str] = dict(parse_qsl(query))
    files = NamedFiles()
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" and body:
        return {**decode_params(raw), **json.loads(body)}, files
    if kind == "application/x-www-form-urlencoded":
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = content
                files.names[name] = filename
            else:
                raw[name] = content.decode("utf-8")
    return decode_params(raw), files
