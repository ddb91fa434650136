"""A PostgreSQL front that insists on a password (cleartext auth, as Azure Database for
PostgreSQL does for Entra tokens), checks it, and then relays to the real server.

The machine's PostgreSQL trusts 127.0.0.1, so it would accept any password; this front is the
part that checks, so a test can prove which token each new connection logged in with.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104


def _error(message: str) -> bytes:
    body = b"SFATAL\0C28P01\0M" + message.encode() + b"\0\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


@dataclass
class AuthProxy:
    accept: Callable[[str], bool]
    upstream: tuple[str, int] = ("127.0.0.1", 5432)
    passwords: list[str] = field(default_factory=list)  # every password offered, in order
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def _startup(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        while True:
            length = struct.unpack("!I", await reader.readexactly(4))[0]
            rest = await reader.readexactly(length - 4)
            code = struct.unpack("!I", rest[:4])[0]
            if code in (SSL_REQUEST, GSS_REQUEST):
                writer.write(b"N")  # no TLS on loopback
                await writer.drain()
                continue
            return struct.pack("!I", length) + rest

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            startup = await self._startup(reader, writer)
            writer.write(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
            await writer.drain()
            kind = await reader.readexactly(1)
            length = struct.unpack("!I", await reader.readexactly(4))[0]
            password = (await reader.readexactly(length - 4)).rstrip(b"\0").decode()
            if kind != b"p":
                raise ConnectionError("expected a password message")
            self.passwords.append(password)
            if not self.accept(password):
                writer.write(_error("password authentication failed"))
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            up_writer.write(startup)  # the real server trusts loopback: it answers AuthOk
            await up_writer.drain()
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            sink.close()
