"""Exports of a period's observations: CSV (UTF-8 with BOM, ``;``, for Excel in a Finnish
locale) and XLSX (openpyxl's write-only mode: rows stream to disk, memory stays bounded).

In Teams an expert gets a short-lived signed link served by the bot (``/exports/<token>``);
the link names the expert, who must still be an expert when it is opened. Every link and every
download is written to the audit log. The CLI (``python -m bot export``) writes a file.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import hmac
import json
import logging
import secrets
import tempfile
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from bot.access import experts_only
from bot.services import Services
from cards.common import Card, Ctx
from cards.digest import export_card, fmt_day
from cards.welcome import notice_card
from dialogs.fields import EXPORT_COLUMNS, FIELDS, display
from dialogs.periods import FIRST_DAY, LAST_DAY, containing, in_calendar, parse_period
from storage.digests import DigestRepository, instant

log = logging.getLogger(__name__)
Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
MAX_DAYS = 3700  # about ten years
EXPORTED = tuple(field for field in FIELDS if field.export)
COLUMNS = EXPORT_COLUMNS  # the field registry's, around the row's own facts


class ExportError(ValueError):
    pass


def parse_span(first: str, last: str) -> tuple[date, date]:
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise ExportError("dates must be YYYY-MM-DD") from None
    if not (in_calendar(start) and in_calendar(end)):
        raise ExportError(f"dates must lie between {FIRST_DAY} and {LAST_DAY}")
    if end < start:
        raise ExportError("the end date is before the start date")
    if (end - start).days > MAX_DAYS:
        raise ExportError("at most ten years at a time")
    return start, end


class Exporter:
    """Rows to files. Labels and headings are Finnish (the working language of the county)."""

    def __init__(self, services: Services, ctx: Ctx) -> None:
        self._ctx = ctx
        self._tz = ZoneInfo(services.county.timezone)
        self._repo = DigestRepository(services.db, self._tz)

    def headings(self) -> list[str]:
        return [self._ctx.t(f"export.col.{name}") for name in COLUMNS]

    def _local(self, moment: datetime | None) -> datetime | None:
        return moment.astimezone(self._tz).replace(tzinfo=None) if moment else None

    def values(self, row: Any) -> list[Any]:
        ctx = self._ctx

        def enum(prefix: str, value: str | None) -> str:
            return ctx.t(f"{prefix}.{value}") if value else ""

        # The reporter is shown only where they allowed contact and did not stay anonymous.
        reporter = row.reporter_id if row.contact_ok and not row.anonymous else ""
        return [
            row.reference,
            self._local(row.created_at),
            *(
                display(field, getattr(row, field.name), ctx.t, ctx.label_of, empty="")
                for field in EXPORTED
            ),
            reporter,
            row.origin,
            enum("status", row.status),
            self._local(row.acknowledged_at),
        ]

    async def write(self, path: Path, fmt: Format, first: date, last: date) -> int:
        """Write the observations created between the two local dates (both included).
        The file work runs in a thread, chunk by chunk, so the bot keeps answering."""
        start, end = instant(first, self._tz), instant(last + timedelta(days=1), self._tz)
        loop = asyncio.get_running_loop()
        count = 0
        if fmt == "csv":
            handle = path.open("w", encoding="utf-8-sig", newline="")
            writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL)
            writer.writerow(self.headings())
            try:
                async for chunk in self._repo.export_rows(start, end):
                    lines = [self._csv(self.values(r)) for r in chunk]
                    await loop.run_in_executor(None, writer.writerows, lines)
                    count += len(chunk)
            finally:
                handle.close()
            return count
        book = Workbook(write_only=True)
        sheet = book.create_sheet(self._ctx.t("export.sheet"))
        sheet.append(self.headings())

        def append(rows: Sequence[list[Any]]) -> None:
            for values in rows:
                sheet.append(values)

        async for chunk in self._repo.export_rows(start, end):
            await loop.run_in_executor(None, append, [self.values(r) for r in chunk])
            count += len(chunk)
        await loop.run_in_executor(None, book.save, str(path))
        return count

    @staticmethod
    def _csv(values: list[Any]) -> list[Any]:
        return [v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v for v in values]


def _temp_file(suffix: str) -> Path:
    handle = tempfile.NamedTemporaryFile(prefix="rake-export-", suffix=f".{suffix}", delete=False)
    handle.close()
    return Path(handle.name)


class LinkSigner:
    """Short-lived download links: base64url(JSON claims) + "." + HMAC-SHA256."""

    def __init__(self, secret: str) -> None:
        self._key = (secret or secrets.token_hex(32)).encode()

    def sign(self, claims: dict[str, Any], minutes: int) -> str:
        body = dict(claims, exp=int(time.time()) + minutes * 60)
        raw = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode())
        mac = hmac.new(self._key, raw, hashlib.sha256).hexdigest()
        return f"{raw.decode().rstrip('=')}.{mac}"

    def verify(self, token: str, now: float | None = None) -> dict[str, Any] | None:
        raw, _, mac = token.partition(".")
        if not raw or not mac:
            return None
        padded = raw + "=" * (-len(raw) % 4)
        expected = hmac.new(self._key, padded.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, expected):
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(padded))
        except ValueError:
            return None
        if not isinstance(claims, dict) or claims.get("exp", 0) < (now or time.time()):
            return None
        return claims


class ExportFlow:
    def __init__(self, services: Services) -> None:
        self._s = services
        self.signer = LinkSigner(services.settings.export_secret.get_secret_value())

    async def link(self, ctx: Ctx, user_id: str, data: dict[str, Any]) -> Card:
        """A signed link for an expert (audited); anyone else is refused politely."""
        fmt = data.get("format")
        try:
            first, last = parse_span(str(data.get("from", "")), str(data.get("to", "")))
        except ExportError:
            return notice_card(ctx, "export.bad_request")
        if fmt not in FORMATS:
            return notice_card(ctx, "export.bad_request")
        url = await self.url(user_id, fmt, first, last, ctx.lang)
        if url is None:
            return notice_card(ctx, "access.experts_only")
        span = f"{fmt_day(first)}–{fmt_day(last)}"
        return export_card(ctx, url, fmt, span, self._s.settings.export_link_minutes)

    async def url(self, user_id: str, fmt: str, first: date, last: date, lang: str) -> str | None:
        """A signed link for an expert (audited), None for anyone else; the chat's card and
        the desk's export buttons both come here."""
        target = f"{fmt} {first.isoformat()}..{last.isoformat()}"
        if not await experts_only(self._s, user_id, "export.link", target):
            return None
        token = self.signer.sign(
            {"u": user_id, "f": fmt, "a": first.isoformat(), "b": last.isoformat(), "l": lang},
            self._s.settings.export_link_minutes,
        )
        return f"{self._s.settings.base_url()}/exports/{token}"

    async def typed(self, ctx: Ctx, user_id: str, argument: str | None, today: date) -> Card:
        """ "vienti 2026-Q3 csv": a period (default: this year so far) and a format (xlsx)."""
        period, fmt = containing("year", today), "xlsx"
        for word in (argument or "").split():
            if word in ("xlsx", "excel", "csv"):
                fmt = "csv" if word == "csv" else "xlsx"
                continue
            try:
                found = parse_period(word, today)
            except ValueError:
                found = None
            if found is None:
                return notice_card(ctx, "export.bad_request")
            period = found
        period = period.clipped(today)
        data = {"format": fmt, "from": period.start.isoformat(), "to": period.last_day.isoformat()}
        return await self.link(ctx, user_id, data)

    async def download(self, token: str) -> tuple[Path, str, str] | None:
        """Write the file for a valid link; None for a bad, expired or no longer allowed one.
        Returns the file (the caller deletes it), its download name and content type."""
        claims = self.signer.verify(token)
        if claims is None:
            return None
        user = str(claims.get("u", ""))
        target = f"{claims.get('f')} {claims.get('a')}..{claims.get('b')}"
        if not await experts_only(self._s, user, "export", target):
            return None
        fmt: Format = "xlsx" if claims.get("f") == "xlsx" else "csv"
        try:  # a link signed before the calendar's bounds, or by a forger holding the key
            first, last = parse_span(str(claims.get("a")), str(claims.get("b")))
        except ExportError:
            return None
        county = self._s.county
        ctx = Ctx("fi", self._s.catalog, county)
        path = await asyncio.to_thread(_temp_file, fmt)
        try:
            rows = await Exporter(self._s, ctx).write(path, fmt, first, last)
        except BaseException:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            raise
        log.info("export of %d rows (%s) downloaded", rows, fmt)
        name = f"rake-{county.id}-{first.isoformat()}-{last.isoformat()}.{fmt}"
        content_type = (
            "text/csv; charset=utf-8"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return path, name, content_type
