"""The social-report dialog as a plain state machine: card inputs in, "what to show / store" out.

Steps (one shared definition for personal chat and the Teams dialog):
1 what was seen, 2 whom and where, 3 extent and structure, 4 urgency and reporter, 5 review.
Nothing here does I/O; the caller loads the draft, calls ``advance`` and carries out the Outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dialogs.fields import (
    ACUTE_REASON_MAX,
    COUNTY_LISTS,
    DESCRIPTION_MAX,
    FREE_TEXTS,
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    STEP_FIELDS,
    STEPS,
    CountyLists,
    FieldType,
    Step,
)
from dialogs.guard import Verdict, check
from dialogs.vocabulary import Extent, Kind, Trend, Urgency

RAW_VALUE_MAX = 4000  # anything longer in a submit is forged or broken
# The step card's toggle after a grievance notice: "I describe a phenomenon, go on". Not a field
# of the report: it only lets the step accept a text that drew the notice.
GUARD_CONTINUE = "guard_continue"


class ReportData(BaseModel):
    """A draft: every field optional until submit."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None
    phenomenon: str | None = None
    phenomenon_other: str | None = None
    description: str | None = None
    target_groups: list[str] = []
    area: str | None = None
    service_area: str | None = None
    extent: Extent | None = None
    trend: Trend | None = None
    structural: str | None = None
    proposal: str | None = None
    urgency: Urgency | None = None
    acute_reason: str | None = None
    reporter_role: str | None = None
    contact_ok: bool = False
    anonymous: bool = False
    reviewed: bool = False  # the review step has been reached once: "next" returns there


class Submission(BaseModel):
    """A complete, valid report, ready to become an observation row."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    phenomenon: str
    phenomenon_other: str | None = Field(default=None, max_length=SHORT_TEXT_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    target_groups: list[str] = Field(min_length=1)
    area: str
    service_area: str
    extent: Extent | None = None
    trend: Trend | None = None
    structural: str | None = Field(default=None, max_length=LONG_TEXT_MAX)
    proposal: str | None = Field(default=None, max_length=LONG_TEXT_MAX)
    urgency: Urgency
    acute_reason: str | None = Field(default=None, max_length=ACUTE_REASON_MAX)
    reporter_role: str | None = None
    contact_ok: bool = False
    anonymous: bool = False


Verb = Literal["start", "next", "back", "edit", "cancel", "submit", "resume"]


class DialogInput(BaseModel):
    """What a card sends back, after the transport (chat / Teams dialog) is peeled off."""

    model_config = ConfigDict(extra="forbid")

    verb: Verb
    draft_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    step: int | None = Field(default=None, ge=1, le=5)
    values: dict[str, Any] = {}


@dataclass(frozen=True)
class FieldError:
    """A message key for the catalog, shown next to the field."""

    key: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    view: Literal["step", "review", "submitted", "cancelled", "missing"]
    step: Step | None
    data: ReportData
    errors: dict[str, FieldError] = field(default_factory=dict)
    echo: dict[str, Any] = field(default_factory=dict)  # rejected raw input to show, never stored
    save_draft: bool = False
    delete_draft: bool = False
    submission: Submission | None = None


class MalformedInput(Exception):
    """A forged or broken submit; the message is a catalog key. Nothing is changed."""

    def __init__(self, key: str = "error.malformed") -> None:
        super().__init__(key)
        self.key = key


def parse_input(raw: dict[str, Any]) -> DialogInput:
    try:
        return DialogInput.model_validate(raw)
    except ValidationError:
        raise MalformedInput() from None


def _as_text(name: str, value: Any) -> str:
    # A NUL never comes from a card's input (and PostgreSQL's JSON and text refuse it).
    if not isinstance(value, str) or len(value) > RAW_VALUE_MAX or "\x00" in value:
        raise MalformedInput()
    return value.strip()


def _parse_step_values(
    step: Step, raw: dict[str, Any], county: CountyLists, data: ReportData
) -> tuple[dict[str, Any], dict[str, FieldError], dict[str, Any]]:
    """Check one step's inputs. Returns (accepted values, errors per field, rejected raw values)."""
    fields = STEP_FIELDS[step]
    raw = dict(raw)
    go_on = raw.pop(GUARD_CONTINUE, "false")
    if go_on not in ("true", "false", ""):
        raise MalformedInput()
    unknown = set(raw) - {f.name for f in fields}
    if unknown:
        raise MalformedInput()
    places = county.place_names()
    accepted: dict[str, Any] = {}
    errors: dict[str, FieldError] = {}
    echo: dict[str, Any] = {}
    for spec in fields:
        name = spec.name
        if name not in raw:
            continue
        text = _as_text(name, raw[name])
        if spec.shape is FieldType.FLAG:
            if text not in ("true", "false", ""):
                raise MalformedInput()
            accepted[name] = text == "true"
        elif spec.shape is FieldType.MULTI:
            chosen = [part for part in (p.strip() for p in text.split(",")) if part]
            if not set(chosen) <= county.option_ids(spec.county_list or ""):
                raise MalformedInput()
            accepted[name] = list(dict.fromkeys(chosen))
        elif spec.shape is FieldType.VOCABULARY:
            assert spec.vocabulary is not None
            if text and text not in {member.value for member in spec.vocabulary}:
                raise MalformedInput()
            accepted[name] = spec.vocabulary(text) if text else None
        elif spec.shape is FieldType.CHOICE:
            if text and text not in county.option_ids(spec.county_list or ""):
                raise MalformedInput()
            accepted[name] = text or None
        else:  # free text: length, then the identifier guard
            limit = spec.max_length or 0
            if len(text) > limit:
                errors[name] = FieldError("error.too_long", {"max": str(limit)})
                echo[name] = text
                continue
            verdict = check(text, places)
            if verdict.blocks or (verdict.notices and go_on != "true"):
                errors[name] = _guard_error(verdict, county)
                echo[name] = text  # shown on the card again, never stored
                continue
            accepted[name] = text or None
    merged = data.model_copy(update=accepted)
    for name in (f.name for f in fields if f.required):
        if name in errors:
            continue
        value = getattr(merged, name)
        if value in (None, "", []):
            errors[name] = FieldError("error.required")
    if step is Step.WHAT and "phenomenon_other" not in errors:
        if _needs_other_text(merged, county) and not merged.phenomenon_other:
            errors["phenomenon_other"] = FieldError("error.other_needs_text")
    if step is Step.URGENCY and "acute_reason" not in errors:
        if merged.urgency is Urgency.ACUTE and not merged.acute_reason:
            errors["acute_reason"] = FieldError("error.acute_needs_reason")
    return accepted, errors, echo


def _guard_error(verdict: Verdict, county: CountyLists) -> FieldError:
    """Identifiers block; the grievance notice is a question the worker may answer "go on"."""
    if verdict.blocks:
        kinds = ",".join(f.value for f in verdict.blocks)
        return FieldError("guard.identifiers", {"kinds": kinds})
    return FieldError("guard.grievance", {"url": county.grievance_notice_url})


def is_question(error: FieldError) -> bool:
    """The grievance notice: a question the worker may answer "go on", not a refusal."""
    return error.key == "guard.grievance"


def asks_to_go_on(errors: dict[str, FieldError]) -> bool:
    """Whether a step card must offer the grievance notice's "go on" toggle."""
    return any(is_question(e) for e in errors.values())


def _needs_other_text(data: ReportData, county: CountyLists) -> bool:
    return data.phenomenon in county.free_text_ids(COUNTY_LISTS["phenomenon"])


def missing_steps(data: ReportData, county: CountyLists) -> list[Step]:
    """Steps whose required fields are not all filled (in order)."""
    missing = []
    for step in STEPS:
        names = [f.name for f in STEP_FIELDS[step] if f.required]
        if any(getattr(data, name) in (None, "", []) for name in names):
            missing.append(step)
        elif step is Step.WHAT and _needs_other_text(data, county) and not data.phenomenon_other:
            missing.append(step)
        elif step is Step.URGENCY and data.urgency is Urgency.ACUTE and not data.acute_reason:
            missing.append(step)
    return missing


def to_submission(data: ReportData, county: CountyLists) -> Submission:
    """Validate the whole draft again (values may have been removed from the county since)."""
    payload = data.model_dump(exclude={"reviewed"})
    if not _needs_other_text(data, county):
        payload["phenomenon_other"] = None
    if data.urgency is not Urgency.ACUTE:
        payload["acute_reason"] = None
    submission = Submission.model_validate(payload)
    for name, list_name in COUNTY_LISTS.items():
        value = getattr(submission, name)
        values = value if isinstance(value, list) else [value] if value else []
        if not set(values) <= county.option_ids(list_name):
            raise MalformedInput("error.stale_value")
    places = county.place_names()
    for name in (f.name for f in FREE_TEXTS):  # identifiers block; a notice was answered
        if check(getattr(submission, name) or "", places).blocked:
            raise MalformedInput()
    return submission


def start(prefill: dict[str, Any] | None = None) -> Outcome:
    """A new draft; prefill (team's service area, a message's text) is shown, not yet trusted."""
    data = ReportData()
    echo = dict(prefill or {})
    for name in ("service_area", "area"):  # list values from the team's own settings are safe
        if name in echo:
            data = data.model_copy(update={name: echo.pop(name)})
    return Outcome("step", Step.WHAT, data, echo=echo, save_draft=True)


def resume(data: ReportData, step: int) -> Outcome:
    current = Step(step) if step in Step._value2member_map_ else Step.WHAT
    if current is Step.REVIEW:
        return Outcome("review", Step.REVIEW, data)
    return Outcome("step", current, data)


def advance(data: ReportData | None, action: DialogInput, county: CountyLists) -> Outcome:
    """One turn of the dialog. ``data`` is the stored draft (None if missing or expired)."""
    if action.verb == "start":
        return start()
    if data is None:
        return Outcome("missing", None, ReportData())
    if action.verb == "cancel":
        return Outcome("cancelled", None, data, delete_draft=True)
    current = Step(action.step) if action.step else Step.WHAT
    if action.verb == "resume":
        return resume(data, current)
    if action.verb == "edit":
        if current is Step.REVIEW:  # the review card offers the steps, never itself
            raise MalformedInput()
        return Outcome("step", current, data, save_draft=True)
    if action.verb == "submit":
        if current is not Step.REVIEW:
            raise MalformedInput()
        gaps = missing_steps(data, county)
        if gaps:
            return Outcome("step", gaps[0], data, errors=_required_errors(data, gaps[0], county))
        return Outcome("submitted", None, data, submission=to_submission(data, county))
    if current is Step.REVIEW:
        if action.verb == "back":
            return Outcome("step", Step.URGENCY, data, save_draft=True)
        raise MalformedInput()
    accepted, errors, echo = _parse_step_values(current, action.values, county, data)
    # Accepted values are kept even when another field of the step has an error, and
    # "back" never blocks on required fields (only on identifiers, which must not be stored).
    updated = data.model_copy(update=accepted)
    if action.verb == "back":
        blocking = {k: v for k, v in errors.items() if k in echo}
        if blocking:
            return Outcome("step", current, updated, blocking, echo, save_draft=True)
        target = Step(max(current - 1, Step.WHAT))
        return Outcome("step", target, updated, save_draft=True)
    if errors:
        return Outcome("step", current, updated, errors, echo, save_draft=True)
    if updated.reviewed or current is Step.URGENCY:
        gaps = missing_steps(updated, county)
        if not gaps:
            updated = updated.model_copy(update={"reviewed": True})
            return Outcome("review", Step.REVIEW, updated, save_draft=True)
        if current is Step.URGENCY:
            return Outcome(
                "step",
                gaps[0],
                updated,
                _required_errors(updated, gaps[0], county),
                save_draft=True,
            )
    return Outcome("step", Step(current + 1), updated, save_draft=True)


def _required_errors(data: ReportData, step: Step, county: CountyLists) -> dict[str, FieldError]:
    _, errors, _ = _parse_step_values(step, {}, county, data)
    return errors
