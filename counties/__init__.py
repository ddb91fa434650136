"""County configuration: one YAML file per wellbeing services county, validated by pydantic.

A county file names the lists a report is made from (areas, service areas, phenomena, target
groups), who the experts and team leads are, where acute reports go, and the county's rhythm.
List entries are either a bare id (labelled from the message catalogs, e.g. ``phenomenon.housing``)
or ``{id, label: {fi, sv, en}}`` for names that belong to the county (municipalities, districts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dialogs.fields import COUNTY_LISTS
from dialogs.periods import Rhythm
from dialogs.vartti import Prompt

Lang = Literal["fi", "sv", "en"]
LANGS: tuple[Lang, ...] = ("fi", "sv", "en")
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_COUNTY = "paijat-hame"

AadId = Annotated[str, Field(min_length=1, max_length=64)]


class CountyConfigError(Exception):
    """A county file is missing or invalid; the message names the file, the key and the problem."""


class Option(BaseModel):
    """One entry of a configurable list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,47}$")
    label: dict[Lang, str] | None = None
    free_text: bool = False  # "other": asks for a short free text

    @model_validator(mode="before")
    @classmethod
    def _from_id(cls, value: Any) -> Any:
        return {"id": value} if isinstance(value, str) else value

    @field_validator("label")
    @classmethod
    def _label_needs_finnish(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and "fi" not in value:
            raise ValueError("a label needs at least the Finnish text (fi)")
        return value


SummaryRhythm = Rhythm  # weekly, quarterly (Feb, May, Aug, Nov), half_yearly, tertial, annual


class ChannelRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team_id: str
    channel_id: str


class Escalation(BaseModel):
    """Who hears of an acute report at once."""

    model_config = ConfigDict(extra="forbid")
    rake_channel: bool = True
    people: list[AadId] = []  # AAD object ids, reached in personal chat
    # Nobody pressed "acknowledged" within this time: the recipients are reminded once.
    remind_after_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)


class Retention(BaseModel):
    """How long the bot keeps what it holds (whole years; see README "Data rights and
    retention"). Past its period a thing is deleted by the scheduled retention jobs."""

    model_config = ConfigDict(extra="forbid")
    # Observations are the county's structural-social-work material, not client documents:
    # ten years covers two council terms' welfare reports and multi-year trend comparisons.
    observations_years: int = Field(default=10, ge=1, le=100)
    # Who read what: long enough to investigate a misuse that comes to light late (about the
    # limitation period of breaching official secrecy), short of a permanent record of reads.
    audit_log_years: int = Field(default=5, ge=1, le=100)


class TeamDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team_id: str
    service_area: str | None = None
    area: str | None = None


class OkrTargets(BaseModel):
    """Yearly targets (seed 000 §2.1 OKR); null where the county's plan names none."""

    model_config = ConfigDict(extra="forbid")
    observations_per_year: int | None = Field(default=50, ge=0)
    observations_baseline: int | None = Field(default=None, ge=0)  # the year before the plan
    summaries_per_year: int | None = Field(default=None, ge=0)
    recommendations_per_year: int | None = Field(default=5, ge=0)  # action proposals
    actions_per_year: int | None = Field(default=None, ge=0)  # actions taken in service areas
    rake_items_per_year: int | None = Field(default=None, ge=0)  # Rake items in meetings


class FollowUpSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A follow-up question is overdue this many days after it was asked; then one grouped
    # reminder a day per person until answered.
    answer_days: int = Field(default=7, ge=1, le=90)
    # A proposal with no due date given is due this many days after it was made.
    default_due_days: int = Field(default=90, ge=1, le=730)


class County(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9\-]{2,40}$")
    name: dict[Lang, str]
    languages: list[Lang] = Field(min_length=1)
    timezone: str = "Europe/Helsinki"
    area_kind: Literal["municipality", "district"] = "municipality"
    areas: list[Option] = Field(min_length=1)
    service_areas: list[Option] = Field(min_length=1)
    phenomena: list[Option] = Field(min_length=1)
    target_groups: list[Option] = Field(min_length=1)
    reporter_roles: list[Option] = Field(min_length=1)
    rake_channel: ChannelRef | None = None
    escalation: Escalation = Escalation()
    experts: list[AadId] = []
    team_leads: list[AadId] = []
    admins: list[AadId] = []  # may add and remove experts by command (the roles table)
    summary_rhythm: list[SummaryRhythm] = [SummaryRhythm.WEEKLY]
    theme_weeks: list[Annotated[int, Field(ge=1, le=53)]] = [10, 41]
    grievance_notice_url: str = Field(pattern=r"^https://")
    draft_expiry_days: int = Field(default=14, ge=1, le=365)
    retention: Retention = Retention()
    prompts: list[Prompt] = []  # added to the shipped Rake-vartti library
    prompt_rotation_weeks: int = Field(default=8, ge=0, le=104)
    teams: list[TeamDefaults] = []  # optional preset service area / area per team id
    # The lead(s) of each service area (AAD object ids): asked for comments and for what was
    # done about a proposal. Keys are ids of service_areas.
    service_area_leads: dict[str, list[AadId]] = {}
    okr_targets: OkrTargets = OkrTargets()
    follow_up: FollowUpSettings = FollowUpSettings()

    @field_validator("name")
    @classmethod
    def _name_needs_finnish(cls, value: dict[str, str]) -> dict[str, str]:
        if "fi" not in value:
            raise ValueError("the county name needs at least the Finnish text (fi)")
        return value

    @field_validator("areas", "service_areas", "phenomena", "target_groups", "reporter_roles")
    @classmethod
    def _unique_ids(cls, value: list[Option]) -> list[Option]:
        seen: set[str] = set()
        for option in value:
            if option.id in seen:
                raise ValueError(f"the id '{option.id}' appears twice")
            seen.add(option.id)
        return value

    @model_validator(mode="after")
    def _leads_of_known_areas(self) -> County:
        known = {o.id for o in self.service_areas}
        unknown = sorted(set(self.service_area_leads) - known)
        if unknown:
            raise ValueError(f"service_area_leads names unknown service areas: {unknown}")
        return self

    def leads_of(self, service_area: str) -> list[str]:
        return list(self.service_area_leads.get(service_area, []))

    def is_lead(self, aad_id: str | None) -> bool:
        return bool(aad_id) and any(aad_id in ids for ids in self.service_area_leads.values())

    def option_ids(self, list_name: str) -> set[str]:
        options: list[Option] = getattr(self, list_name)
        return {o.id for o in options}

    def ids_of(self, field: str) -> set[str]:
        """The ids a field may take (the county list the field registry names)."""
        return self.option_ids(COUNTY_LISTS[field])

    def free_text_ids(self, list_name: str) -> set[str]:
        """The options of a list that ask for a short free text ("other")."""
        options: list[Option] = getattr(self, list_name)
        return {o.id for o in options if o.free_text}

    def place_names(self) -> tuple[str, ...]:
        """The labels of the county's areas (municipalities, districts) in every language."""
        return tuple(label for area in self.areas for label in (area.label or {}).values())

    def is_expert(self, aad_id: str | None) -> bool:
        return bool(aad_id) and aad_id in self.experts

    def is_admin(self, aad_id: str | None) -> bool:
        return bool(aad_id) and aad_id in self.admins

    def is_team_lead(self, aad_id: str | None) -> bool:
        return bool(aad_id) and aad_id in self.team_leads


def _format_errors(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{path}: key '{key}': {item['msg']}")
    return "\n".join(lines)


def load_county(path: str | Path) -> County:
    """Load and validate one county file; raise CountyConfigError naming file, key and problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CountyConfigError(f"{path}: county file not found") from None
    except yaml.YAMLError as exc:
        raise CountyConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CountyConfigError(f"{path}: key '(top level)': expected a mapping of settings")
    try:
        return County.model_validate(raw)
    except ValidationError as exc:
        raise CountyConfigError(_format_errors(path, exc)) from None


def county_path(name_or_path: str) -> Path:
    """A shipped county by id (``kanta-hame``) or a path to a file of one's own."""
    candidate = DATA_DIR / f"{name_or_path}.yaml"
    if "/" not in name_or_path and not name_or_path.endswith((".yaml", ".yml")):
        return candidate
    return Path(name_or_path)


def shipped_counties() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))


def prompt_library(county: County) -> list[Prompt]:
    """The shipped prompts followed by the county's own (an own prompt may replace a shipped
    one by using its id)."""
    raw = yaml.safe_load((Path(__file__).parent / "prompts.yaml").read_text(encoding="utf-8"))
    library = {p.id: p for p in (Prompt.model_validate(item) for item in raw["prompts"])}
    for prompt in county.prompts:
        library[prompt.id] = prompt
    return list(library.values())
