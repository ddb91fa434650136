"""Data rights: a person's export (all that the bot holds about them, as JSON) and erasure.

SDK-free on purpose (no botbuilder): ``python -m bot user-export`` / ``user-delete`` run from an
operator's shell against the database alone. Every call is written to the audit log; the entry
names the person by a keyed pseudonym only (``storage.rights.RightsRepository.pseudonym``), so
an erasure's own record does not keep the id it erased.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from bot.export_flow import COLUMNS, Exporter
from bot.services import Services
from cards.common import Ctx
from i18n import Lang
from storage.rights import TOMBSTONE, RightsRepository

FORMAT = "rake-user-export/1"
# The experts' export's columns, shown the same way (bot.export_flow.Exporter); in a person's
# own export the reporter is always shown: it is them.
REPORT_COLUMNS = COLUMNS
COUNTY_LISTS = ("experts", "admins", "team_leads")
MAX_ID = 128


class RightsError(ValueError):
    """A request that cannot be carried out (the message says why)."""


def check_user_id(aad_id: str) -> str:
    aad_id = aad_id.strip()
    if not aad_id or len(aad_id) > MAX_ID or any(c.isspace() for c in aad_id):
        raise RightsError("give the person's AAD object id (one word, at most 128 characters)")
    if aad_id == TOMBSTONE:
        raise RightsError(f"'{TOMBSTONE}' is the mark of erased people, not a person")
    return aad_id


class ReportView:
    """A stored observation as the experts' export shows it (labels in one language)."""

    def __init__(self, services: Services, ctx: Ctx) -> None:
        self._ctx = ctx
        self._exporter = Exporter(services, ctx)
        self._reporter = REPORT_COLUMNS.index("reporter")

    def headings(self) -> dict[str, str]:
        return dict(zip(REPORT_COLUMNS, self._exporter.headings(), strict=True))

    def report(self, row: Any) -> dict[str, Any]:
        values = self._exporter.values(row)
        values[self._reporter] = row.reporter_id
        shown = dict(zip(REPORT_COLUMNS, values, strict=True))
        ctx = self._ctx
        shown["anonymous"] = ctx.t("common.yes") if row.anonymous else ctx.t("common.no")
        return shown


def _json(value: Any) -> Any:
    """Rows to JSON-ready values (datetimes as ISO text)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _summary(counts: dict[str, int]) -> str:
    return " ".join(f"{name}={n}" for name, n in counts.items() if n)


class UserRights:
    def __init__(self, services: Services, batch: int | None = None) -> None:
        self._services = services
        self._county = services.county
        self._clock: Callable[[], datetime] = services.clock
        db = services.db
        self.repo = RightsRepository(db) if batch is None else RightsRepository(db, batch)
        self.audit = services.audit

    def named_in_county_file(self, aad_id: str) -> list[str]:
        """The county file's lists that name the person (config, not the database: an
        erasure cannot change it; the operator is told to)."""
        named = [name for name in COUNTY_LISTS if aad_id in getattr(self._county, name)]
        if aad_id in self._county.escalation.people:
            named.append("escalation.people")
        return named

    async def export(self, aad_id: str, operator: str, lang: Lang | None = None) -> dict[str, Any]:
        aad_id = check_user_id(aad_id)
        held = await self.repo.holdings(aad_id)
        ctx = Ctx(lang or self._county.languages[0], self._services.catalog, self._county)
        view = ReportView(self._services, ctx)
        reports = [view.report(SimpleNamespace(**row)) for row in held.pop("reports")]
        for row in held["conversation_references"]:
            row.pop("id", None)
        pseudonym = await self.repo.pseudonym(aad_id)
        document: dict[str, Any] = {
            "format": FORMAT,
            "user": aad_id,
            "county": self._county.id,
            "exported_at": self._clock().isoformat(),
            "pseudonym": pseudonym,
            "named_in_county_file": self.named_in_county_file(aad_id),
            "report_columns": view.headings(),
            "reports": reports,
            **held,
        }
        counts = {"reports": len(reports), **{k: len(v) for k, v in held.items()}}
        await self.audit.record(
            operator, "user.export", f"{pseudonym} {_summary(counts)}", True, self._clock()
        )
        return _json(document)  # type: ignore[no-any-return]

    async def erasure_counts(self, aad_id: str, operator: str) -> dict[str, int]:
        """What an erasure would change (a dry run: audited, nothing changed)."""
        aad_id = check_user_id(aad_id)
        counts = await self.repo.erasure_counts(aad_id)
        pseudonym = await self.repo.pseudonym(aad_id)
        await self.audit.record(
            operator, "user.delete.dry_run", f"{pseudonym} {_summary(counts)}", True, self._clock()
        )
        return counts

    async def erase(self, aad_id: str, operator: str) -> dict[str, int]:
        aad_id = check_user_id(aad_id)
        pseudonym = await self.repo.pseudonym(aad_id)
        done = await self.repo.erase(aad_id)
        await self.audit.record(
            operator, "user.delete", f"{pseudonym} {_summary(done)}", True, self._clock()
        )
        return done
