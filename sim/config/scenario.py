"""The scenario schema, and loading a scenario file with ``extends:`` over the packaged defaults.

A scenario file only states what differs from its base: every file is merged, key by key, over
``sim/data/defaults.yaml`` (the complete reference scenario, every parameter of which is cited or
marked as an assumption in ``sim/data/provenance.yaml``), then over the files it ``extends``.
The merged document is validated by the strict, frozen models below, which are also the source of
the JSON Schema (``sim schema``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from sim.config.base import Strict
from sim.config.errors import InputError
from sim.config.history import Case
from sim.config.limits import MAX_KEY_PATH_PARTS, MAX_NAME, MAX_SEED
from sim.config.yamlio import (
    KeyPath,
    Origin,
    Resolved,
    changes_form,
    deep_merge,
    format_key_path,
    forms_of,
    load_yaml_text,
    resolve,
    validate,
)
from sim.dealspace import BY_NAME, ISSUE_NAMES, ISSUES, Issue, conflicts

Natural = str | float


class Range(Strict):
    """A negotiable count issue: any value between ``min`` and ``max``."""

    min: float
    """Smallest value on the table."""
    max: float
    """Largest value on the table."""

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        return self


class Options(Strict):
    """A negotiable issue restricted to listed values (level names, or counts)."""

    options: list[Natural] = Field(min_length=1)
    """The values on the table."""


def _term_kind(value: Any) -> str:
    """Which form a package term takes, so that a mistake is reported against that form only."""
    if isinstance(value, Options) or (isinstance(value, dict) and "options" in value):
        return "options"
    if isinstance(value, dict | Range):
        return "range"
    return "level" if isinstance(value, str | bool) else "number"  # a YAML boolean is a misspelt word, not 0 or 1


Term = Annotated[
    Annotated[str, Tag("level")]
    | Annotated[float, Tag("number")]
    | Annotated[Range, Tag("range")]
    | Annotated[Options, Tag("options")],
    Discriminator(_term_kind),
]


class _PackageTerms(Strict):
    """What is on the table: per issue, a fixed value (a package) or what may be negotiated.

    The fields, one per issue of the deal space (:data:`sim.dealspace.ISSUES`), are made by
    :func:`_issue_fields`: adding an issue to the deal space adds it here.
    """

    @field_validator("*")
    @classmethod
    def _term_fits_issue(cls, term: Term, info: ValidationInfo) -> Term:
        check_term(str(info.field_name), term)
        return term

    @model_validator(mode="after")
    def _terms_consistent(self) -> _PackageTerms:
        fixed = {n: t for n in ISSUE_NAMES if not isinstance(t := getattr(self, n), Range | Options)}
        problems = conflicts(fixed)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def is_fixed(self) -> bool:
        """Whether every issue is fixed (a single package, nothing to negotiate)."""
        return all(not isinstance(getattr(self, n), Range | Options) for n in ISSUE_NAMES)


def _term_doc(issue: Issue) -> str:
    if issue.is_ordinal:
        return f"{issue.doc} A level: {', '.join(issue.levels)}; or {{options: [...]}}."
    unit = f" ({issue.unit})" if issue.unit else ""
    return f"{issue.doc} A number{unit}, or {{min, max}}, or {{options: [...]}}."


def _issue_fields(annotation: Any, doc: Callable[[Issue], str]) -> dict[str, Any]:
    """One required field per issue of the deal space, in its order."""
    return {issue.name: (annotation, Field(description=doc(issue))) for issue in ISSUES}


Package = create_model(
    "Package",
    __base__=_PackageTerms,
    __module__=__name__,
    __doc__=_PackageTerms.__doc__,
    **_issue_fields(Term, _term_doc),
)
"""What is on the table: one field per issue (a fixed value, ``{min, max}`` or ``{options: [...]}``)."""


def check_term(name: str, term: Term) -> None:
    """Raise ValueError if a package term does not fit its issue's levels or bounds."""
    issue = BY_NAME[name]
    values: list[Natural] = []
    if isinstance(term, Range):
        if issue.is_ordinal:
            raise ValueError(f"{name} takes levels, not a range; use {{options: [...]}} of {', '.join(issue.levels)}")
        values = [term.min, term.max]
    elif isinstance(term, Options):
        values = list(term.options)
    else:
        values = [term]
    for v in values:
        check_value(name, v)


def check_value(name: str, value: Natural) -> None:
    """Raise ValueError unless ``value`` is a valid natural value of issue ``name``."""
    issue = BY_NAME[name]
    if issue.is_ordinal:
        if not isinstance(value, str) or value not in issue.levels:
            raise ValueError(f"{name}: {value!r} is not a level; levels are {', '.join(issue.levels)}")
    else:
        if isinstance(value, str):
            raise ValueError(f"{name}: expected a number, found {value!r}")
        if not issue.lo <= value <= issue.hi:
            raise ValueError(f"{name}: {value:g} is outside [{issue.lo:g}, {issue.hi:g}] {issue.unit}".rstrip())


class IssuePreference(Strict):
    """A party's preference on one issue."""

    ideal: Natural
    """Ideal value, in the issue's natural units (a level name, a count, years)."""
    salience: float = Field(ge=0)
    """Relative weight of the issue for this party (weights are normalised to sum to one)."""
    tolerance: float = Field(gt=0, le=10)
    """Normalised distance from the ideal at which satisfaction falls to 1/e (0-1 scale)."""


class _IssuePreferences(Strict):
    """Per-issue preferences of a party (one field per issue of the deal space)."""

    @model_validator(mode="after")
    def _ideals_fit_issues(self) -> _IssuePreferences:
        for name in ISSUE_NAMES:
            check_value(name, getattr(self, name).ideal)
        if sum(getattr(self, n).salience for n in ISSUE_NAMES) <= 0:
            raise ValueError("saliences are all zero: at least one issue must matter")
        return self


Preferences = create_model(
    "Preferences",
    __base__=_IssuePreferences,
    __module__=__name__,
    __doc__=_IssuePreferences.__doc__,
    **_issue_fields(IssuePreference, lambda issue: f"Preference on {issue.name}: {issue.doc}"),
)
"""Per-issue preferences of a party: one :class:`IssuePreference` per issue."""


class RedLineSpec(Strict):
    """A region of one issue the party refuses (hard) or strongly dislikes (soft)."""

    issue: Literal[ISSUE_NAMES]  # type: ignore[valid-type]
    """The issue the red line is on."""
    above: Natural | None = None
    """Crossed when the issue's value is strictly above this (level name or count)."""
    below: Natural | None = None
    """Crossed when the issue's value is strictly below this (level name or count)."""
    kind: Literal["hard", "soft"]
    """hard: never accepted; soft: utility multiplied by (1 - penalty)."""
    penalty: float = Field(0.0, ge=0, le=1)
    """Utility penalty of a soft red line."""

    @model_validator(mode="after")
    def _bounds(self) -> RedLineSpec:
        if self.above is None and self.below is None:
            raise ValueError("a red line needs `above` or `below`")
        for v in (self.above, self.below):
            if v is not None:
                check_value(self.issue, v)
        if self.kind == "soft" and self.penalty == 0:
            raise ValueError("a soft red line needs a penalty > 0")
        return self


Role = Literal["party", "challenger", "defender", "guarantor"]
"""What an actor does: ``party`` (its acceptance is needed for a deal), ``challenger`` (the party the guarantee
deters: it may resume the war), ``defender`` (the party defended: its army deters), ``guarantor`` (commits to
respond if the challenger attacks)."""

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


def check_levels(mapping: Mapping[str, float], issue: str, what: str, hi: float = 3.0) -> None:
    """Raise ValueError unless ``mapping`` has exactly the levels of ``issue``, each value in [0, hi]."""
    levels = BY_NAME[issue].levels
    unknown = sorted(set(mapping) - set(levels))
    missing = [lv for lv in levels if lv not in mapping]
    if unknown or missing:
        raise ValueError(
            f"{what} needs exactly the {issue} levels {', '.join(levels)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    bad = [k for k, v in mapping.items() if not 0 <= v <= hi]
    if bad:
        raise ValueError(f"{what} values must be in [0, {hi:g}]; out of range: {', '.join(bad)}")


class RoleWeight(Strict):
    """A guarantor's role as an issue of the package (the US role): no commitment at the issue's lowest level."""

    issue: Slug
    """The ordinal issue that sets the guarantor's role (``us_role``)."""
    weight: dict[str, float]
    """Deterrence per level of that issue, times the guarantor's credibility."""

    @model_validator(mode="after")
    def _levels(self) -> RoleWeight:
        if self.issue not in BY_NAME or not BY_NAME[self.issue].is_ordinal:
            ordinal = [i.name for i in ISSUES if i.is_ordinal]
            raise ValueError(f"role issue {self.issue!r} is not an ordinal issue; one of {', '.join(ordinal)}")
        check_levels(self.weight, self.issue, "weight")
        return self


class Force(Strict):
    """The guarantor force stationed in Ukraine: the package's ``foreign_troops``, fielded by this guarantor."""

    half_troops: float = Field(gt=0)
    """Troops at which the force reaches half its maximal military weight (``F = troops / (troops + half)``)."""
    weight: float = Field(ge=0, le=3)
    """Deterrence from the force at full weight, times the guarantor's credibility."""
    presence_credibility: float = Field(ge=0, le=1)
    """How much troops on the ground raise the guarantor's credibility (times the force's military weight)."""


class Backstop(Strict):
    """How much a guarantor's credibility leans on another guarantor's role actually in force (the US backstop)."""

    guarantor: Slug
    """The actor whose role in force matters (a guarantor with a ``role``)."""
    dependence: dict[str, float]
    """Credibility multiplier per level of that guarantor's role issue, the level in force (its lowest level
    when that guarantor has disengaged)."""


class Steady(Strict):
    """Engagement that does not change after the deal."""

    kind: Literal["steady"]
    """``steady``."""


class Elections(Strict):
    """Engagement decided at elections: each may bring a government that disengages from the guarantee."""

    kind: Literal["elections"]
    """``elections``."""
    every_years: int = Field(ge=1, le=20)
    """Years between elections (the first falls in year ``every_years + 1`` after the deal)."""
    disengage_probability: float = Field(ge=0, le=1)
    """Probability that an election brings a government that disengages from the guarantee."""
    disengaged_factor: float = Field(ge=0, le=1)
    """Credibility multiplier under a disengaged government."""
    lapse_cause: Slug
    """Breakdown cause recorded when Russia attacks while this guarantor is disengaged (``us_disengaged``)."""


class Cohesion(Strict):
    """Engagement as a cohesion in [0, 1] that moves each year (mean-reverting, AR(1))."""

    kind: Literal["cohesion"]
    """``cohesion``."""
    mean: float = Field(ge=0, le=1)
    """Long-run mean of cohesion (and its value when the deal is signed)."""
    reversion: float = Field(ge=0, le=1)
    """Yearly pull of cohesion back to its mean."""
    volatility: float = Field(ge=0, le=1)
    """Yearly standard deviation of cohesion."""
    split_margin: float = Field(ge=0, le=1)
    """A breakdown counts as a split (``lapse_cause``) when cohesion is more than this below its mean."""
    incident_shock: float = Field(0.0, ge=0, le=1)
    """Cohesion lost when Russia strikes at the force (a probe or an attack in a year the force is deployed),
    times the share of the force still there."""
    lapse_cause: Slug
    """Breakdown cause recorded when Russia attacks during a split (``coalition_split``)."""


def _engagement_kind(value: Any) -> str | None:
    """The ``kind`` of an engagement section (a callable discriminator: the schema's base validators run on
    every field, which pydantic does not allow on a field it infers a discriminator from)."""
    if isinstance(value, dict):
        kind = value.get("kind")
        return kind if isinstance(kind, str) else None
    return getattr(value, "kind", None)


Engagement = Annotated[
    Annotated[Steady, Tag("steady")] | Annotated[Elections, Tag("elections")] | Annotated[Cohesion, Tag("cohesion")],
    Discriminator(_engagement_kind),
]


class Guarantor(Strict):
    """What a guarantor brings after a deal: its credibility, its weight in deterrence, its engagement."""

    credibility: dict[str, float]
    """Base probability of honouring the commitment, per guarantee strength."""
    commitment_weight: float = Field(ge=0, le=3)
    """Deterrence from the commitment itself (beyond any force or role), times the credibility."""
    role: RoleWeight | None = None
    """The guarantor's role as a package issue (the US role), if it has one."""
    force: Force | None = None
    """The guarantor force it fields (the package's foreign troops), if any."""
    backstop: Backstop | None = None
    """Dependence of its credibility on another guarantor's role in force, if any."""
    ratified: bool = True
    """Whether its commitment is ratified (a parliament's vote) rather than an executive promise."""
    unratified_factor: float = Field(1.0, ge=0, le=1)
    """Credibility multiplier for an unratified commitment."""
    engagement: Engagement
    """How its engagement evolves after the deal (steady, elections, or cohesion)."""
    expiry_residual: float = Field(ge=0, le=1)
    """Share of its credibility that survives the guarantee's expiry (a force leaves at expiry)."""
    resolve_sd: float = Field(0.0, ge=0, le=2)
    """Spread (log-standard deviation) of its resolve, a multiplier of its credibility with mean 1 that it knows
    and Russia learns from probes (0, the default for a guarantor added without it: Russia knows its credibility
    exactly)."""

    @model_validator(mode="after")
    def _levels(self) -> Guarantor:
        check_levels(self.credibility, "guarantee_strength", "credibility", hi=1.0)
        return self


class Members(Strict):
    """A composite actor's member states (the coalition of the willing), as member-state agents."""

    count: int = Field(ge=2, le=60)
    """Number of member states (the two leads included)."""
    lead_pledge: float = Field(ge=0)
    """Troops each lead nation (France, UK) would send if it takes part."""
    member_pledge: float = Field(ge=0)
    """Mean troops each other member would send if it takes part (log-normal across members)."""
    pledge_dispersion: float = Field(ge=0, le=3)
    """Sigma of the log-normal spread of the other members' pledges."""
    willingness_mean: float = Field(gt=0, lt=1)
    """Mean of the members' willingness (Beta distributed)."""
    willingness_concentration: float = Field(gt=0)
    """Concentration (alpha + beta) of the members' Beta-distributed willingness."""
    backstop_factor: dict[str, float]
    """Willingness multiplier per level of the backstop guarantor's role (the US role)."""
    threat_sensitivity: float = Field(ge=0, le=1)
    """Largest reduction of a member's willingness from Russia's threat to target foreign troops."""
    participation_threshold: float = Field(ge=0, le=1)
    """Effective willingness a member needs to send troops."""
    veto_cost_strength: float = Field(ge=0, le=1)
    """Veto threshold added by a guarantee at full strength (scaled by normalised strength)."""
    veto_cost_duration: float = Field(ge=0, le=1)
    """Veto threshold added by a guarantee lasting the maximum duration (scaled by normalised duration)."""
    consent_rule: Literal["consensus", "threshold"]
    """consensus: no member may veto; threshold: the share approving must reach consent_threshold."""
    consent_threshold: float = Field(gt=0, le=1)
    """Share of members that must approve under the threshold rule."""
    term_years: int = Field(4, ge=1, le=10)
    """Years between a member's general elections (each member's first falls at a random month of its term)."""
    turnover: float = Field(0.0, ge=0, le=1)
    """Chance that a member's election changes its government, whose willingness is then drawn afresh."""


_PARTY_FIELDS = ("preferences", "war_cost")


class Actor(Strict):
    """An actor and its roles. A party states its preferences and bargaining; a guarantor its commitment; a
    composite guarantor (the coalition) its member states. An actor may hold several roles (the United States
    is a party and a guarantor)."""

    label: str = Field(min_length=1, max_length=80)
    """Name for tables and figures."""
    roles: list[Role] = Field(min_length=1)
    """What the actor does: party, challenger, defender, guarantor."""
    preferences: Preferences | None = None
    """A party's preferences over packages."""
    red_lines: list[RedLineSpec] = []
    """A party's red lines."""
    war_cost: float | None = Field(None, ge=0, le=1)
    """A party's cost of a year of war, on the scale of its utility (casualties, money, sanctions; for a party
    that does not fight, the cost of supporting the war)."""
    guarantor: Guarantor | None = None
    """A guarantor's commitment."""
    members: Members | None = None
    """A composite guarantor's member states (they field its force and may veto the package)."""

    @model_validator(mode="after")
    def _roles_match_sections(self) -> Actor:
        roles = set(self.roles)
        if len(roles) != len(self.roles):
            raise ValueError("roles are listed twice")
        if {"challenger", "defender"} & roles and "party" not in roles:
            raise ValueError("a challenger or defender is also a party: add `party` to its roles")
        if "party" in roles:
            missing = [f for f in _PARTY_FIELDS if getattr(self, f) is None]
            if missing:
                raise ValueError(f"a party needs {', '.join(missing)}")
        elif any(getattr(self, f) is not None for f in _PARTY_FIELDS) or self.red_lines:
            raise ValueError("preferences, red lines and a war cost belong to a party: add `party` to its roles")
        if ("guarantor" in roles) != (self.guarantor is not None):
            raise ValueError("a guarantor needs a `guarantor:` section, and only a guarantor has one")
        if self.members is not None and (self.guarantor is None or self.guarantor.force is None):
            raise ValueError("member states field a force: an actor with `members` is a guarantor with a `force`")
        return self

    def has(self, role: str) -> bool:
        """Whether the actor holds a role."""
        return role in self.roles


class Negotiation(Strict):
    """The rules of the talks."""

    max_rounds: int = Field(ge=1, le=240)
    """Rounds (months) of a session of talks; without agreement by then the talks pause."""
    pause_months: int = Field(ge=0, le=240)
    """Months of war between a failed session of talks and the next."""
    candidate_pool: int = Field(ge=1, le=5000)
    """Packages sampled from the negotiable space at the start of talks."""
    anticipation: bool
    """Whether the parties value a package by what they expect over the horizon (its breakdown risk and the war
    that would follow); false: as if peace under it held for ever (model v1)."""
    discount: float = Field(gt=0, le=1)
    """Yearly discount factor with which the parties value the years ahead (and the run's welfare)."""
    resume_after_breakdown: bool
    """Whether talks resume after a breakdown of the peace: the war that follows is the no-deal path (a monthly
    war, sessions and pauses) until a new deal or the horizon; false: it runs to the horizon at the balance of
    power, with no talks (model v2's first version)."""


class War(Strict):
    """The war: the battlefield balance (a monthly random walk), the territory it moves, what fighting is worth to
    each party, and Russia's private information about its prospects."""

    initial_balance: float = Field(ge=-3, le=3)
    """Battlefield balance when talks open (positive: Russia gaining); also the balance of power a resumed war
    would start from."""
    reversion: float = Field(ge=0, le=1)
    """Monthly pull of the balance back to its initial value (a war of attrition reverts to its stalemate)."""
    drift: float = Field(ge=-1, le=1)
    """Monthly drift of the balance (on top of Russia's private edge and Western support)."""
    volatility: float = Field(ge=0, le=2)
    """Monthly standard deviation of the balance."""
    western_support: float = Field(ge=0, le=1)
    """Level of Western military and economic support to Ukraine at the start (0-1)."""
    support_volatility: float = Field(ge=0, le=1)
    """Monthly standard deviation of Western support."""
    support_effect: float = Field(ge=0, le=2)
    """How much Western support above/below its initial level moves the balance each month in Ukraine's favour."""
    outcome_steepness: float = Field(gt=0, le=50)
    """Slope of Russia's chance of prevailing in the balance: ``pi(b) = L(k b)``."""
    private_edge_sd: float = Field(ge=0, le=3)
    """Standard deviation of Russia's private edge: what Russia knows, and the others do not, about its
    prospects (a balance shift; its resolve and hidden capacity)."""
    private_edge_types: int = Field(ge=1, le=41)
    """Number of types (equal-probability quantiles) the others' belief about the private edge ranges over."""
    revelation: float = Field(ge=0, le=1)
    """Share of Russia's private edge that shows in the balance's monthly drift (fighting reveals it)."""
    initial_territory: float = Field(ge=0, le=1)
    """Share of Ukraine's territory Russia holds when talks open."""
    territory_rate: float = Field(ge=0, le=1)
    """Share of Ukraine's territory that changes hands per year of war per unit of balance."""
    withdrawal_share: float = Field(ge=0, le=1)
    """Share of Ukraine's territory Russia gains when a deal has Ukraine withdraw from Donetsk."""


class Power(Strict):
    """How the balance of power moves after a deal: Russia reconstitutes, Ukraine's army is funded and rearms."""

    russia_reconstitution: float = Field(ge=-3, le=3)
    """Gain of Russia's side of the balance once it has rebuilt its forces (balance units)."""
    russia_reconstitution_years: float = Field(gt=0, le=100)
    """E-folding time of Russia's reconstitution."""
    ukraine_funding: float = Field(ge=0, le=1)
    """Share of Ukraine's agreed army that stays funded in the long run."""
    ukraine_rearmament: float = Field(ge=-1, le=3)
    """Relative gain of Ukraine's effective strength from rearmament and its defence industry, in the long run."""
    ukraine_years: float = Field(gt=0, le=100)
    """E-folding time of Ukraine's funding and rearmament path."""


class Expiry(Strict):
    """What happens at the end of a guarantee's term: its guarantors renew it or let it lapse, and a force that is
    not renewed leaves on a schedule."""

    renewal: bool
    """Whether the guarantors decide, at the end of each term, to renew the guarantee for another term (false: it
    lapses at the end of its first term)."""
    renewal_cost: float = Field(ge=0, le=1)
    """The cost of staying, as the cut in Russia's yearly hazard that renewing must buy (a commitment alone)."""
    renewal_force_cost: float = Field(ge=0, le=1)
    """Added to that cost, times the force's weight in [0, 1): keeping soldiers in Ukraine costs more."""
    drawdown_years: int = Field(ge=0, le=20)
    """Years over which a force that is not renewed leaves, in equal steps (0: it leaves at once)."""


class Deterrence(Strict):
    """The years after an agreement: the defender's army, the consolidation of peace and Russia's yearly choice
    (each guarantor's own parameters are in its ``guarantor:`` section)."""

    horizon_years: int = Field(ge=1, le=200)
    """Years a run covers from the start of talks (outcomes are censored there)."""
    army_reference: float = Field(gt=0)
    """Ukrainian army size giving weight `army_weight` in the balance (the army the initial balance reflects)."""
    army_weight: float = Field(ge=0, le=3)
    """Weight in the balance of Ukraine's own army at the reference size."""
    army_cap: float = Field(ge=0, le=5)
    """Cap on the army term relative to the reference size."""
    consolidation: float = Field(ge=0, le=3)
    """What breaking a consolidated peace costs Russia in the long run, on its utility scale."""
    consolidation_years: float = Field(gt=0, le=200)
    """E-folding time of the consolidation of peace."""
    accession_years: int = Field(ge=1, le=200)
    """Years after a deal at which Ukraine takes the step into the EU the package agrees (``eu_membership``)."""
    integration: float = Field(ge=0, le=3)
    """How much that step raises the long-run consolidation, at full accession, as a share of ``consolidation``."""
    westward_setback: float = Field(ge=0, le=1)
    """The share of the consolidation built up so far that the step sets back, at full accession (2013)."""
    split_setback: float = Field(ge=0, le=1)
    """The share of the consolidation built up so far that a guarantor's lapse sets back (a split, a
    disengagement)."""
    hazard_max: float = Field(gt=0, le=1)
    """Largest yearly probability of a renewed Russian offensive."""
    hazard_steepness: float = Field(gt=0, le=50)
    """Steepness of the logistic link from net incentive to hazard."""
    hazard_threshold: float = Field(ge=-3, le=3)
    """Net incentive (value of war minus value of the deal) at which the hazard is half its maximum."""
    foresight: float = Field(ge=0, le=1)
    """Russia's yearly discount factor when it weighs attacking later instead of now (0: myopic)."""
    probe_ratio: float = Field(ge=0, le=50)
    """How many times its yearly hazard of a renewed offensive Russia probes the guarantors in a year of peace (a
    sub-war incident; the chance is capped at 1); 0: no probes."""


class Scenario(Strict):
    """A complete, validated scenario."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=MAX_NAME)
    """Short identifier (lowercase, digits, _ and -, at most 64 characters), used in result folder names;
    longer text belongs in `description`."""
    description: str
    """What the scenario encodes and the sources it draws on."""
    sources: list[str]
    """Citations (keys of the source registry, `key` or `key/claim`) the scenario encodes."""
    mode: Literal["negotiate", "evaluate"]
    """negotiate: talks, then deterrence; evaluate: the package is signed as given (every issue fixed)."""
    runs: int = Field(ge=1, le=10_000_000)
    """Default number of replications."""
    seed: int = Field(ge=0, le=MAX_SEED)
    """Default master seed (0 to 2**63 - 1)."""
    package: Package
    actors: dict[Slug, Actor | None]
    """The actors by key, in order: parties, the challenger and the defender, guarantors. In a file that extends
    another, ``key: null`` removes an actor."""
    negotiation: Negotiation
    war: War
    power: Power
    expiry: Expiry
    deterrence: Deterrence
    case: Case | None = None
    """A historical case's facts and what came of it (``scenarios/history/``): metadata for ``sim calibrate``,
    ignored by the model."""

    @field_validator("sources")
    @classmethod
    def _sources_resolve(cls, sources: list[str]) -> list[str]:
        from sim.config.sources import load_registry

        problems = load_registry().check(sources)
        if problems:
            raise ValueError(
                "; ".join(problems) + " (citations are keys of sim/data/sources.yaml: `key` or `key/claim`)"
            )
        return sources

    @field_validator("actors")
    @classmethod
    def _drop_removed(cls, actors: dict[str, Actor | None]) -> dict[str, Actor]:
        return {k: a for k, a in actors.items() if a is not None}

    @model_validator(mode="after")
    def _cast(self) -> Scenario:
        actors: dict[str, Actor] = self.actors  # type: ignore[assignment]
        for role in ("challenger", "defender"):
            holders = [k for k, a in actors.items() if a.has(role)]
            if len(holders) != 1:
                raise ValueError(f"exactly one actor must be the {role}; found {len(holders)}: {', '.join(holders)}")
        guarantors = {k: a.guarantor for k, a in actors.items() if a.guarantor is not None}
        forces = [k for k, g in guarantors.items() if g.force is not None]
        if len(forces) > 1:
            raise ValueError(f"one guarantor at most fields the foreign troops; found {', '.join(forces)}")
        troops = self.package.foreign_troops
        values = troops.options if isinstance(troops, Options) else [getattr(troops, "max", troops)]
        top = max((v for v in values if isinstance(v, int | float)), default=0)
        if not forces and isinstance(top, int | float) and top > 0:
            raise ValueError("package.foreign_troops can be above 0 but no guarantor has a `force` to field them")
        for key, g in guarantors.items():
            if g.backstop is None:
                continue
            other = guarantors.get(g.backstop.guarantor)
            if other is None or other.role is None:
                raise ValueError(
                    f"actors.{key}.guarantor.backstop.guarantor {g.backstop.guarantor!r} is not a guarantor "
                    f"with a role; guarantors with a role: {', '.join(k for k, o in guarantors.items() if o.role)}"
                )
            check_levels(g.backstop.dependence, other.role.issue, f"actors.{key}.guarantor.backstop.dependence")
            members = actors[key].members
            if members is not None:
                check_levels(members.backstop_factor, other.role.issue, f"actors.{key}.members.backstop_factor", 1.5)
        return self

    def keys_with(self, role: str) -> tuple[str, ...]:
        """The keys of the actors that hold a role, in the scenario's order."""
        return tuple(k for k, a in self.actors.items() if a is not None and a.has(role))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.mode == "evaluate" and not self.package.is_fixed():
            open_issues = [n for n in ISSUE_NAMES if isinstance(getattr(self.package, n), Range | Options)]
            raise ValueError(
                "mode 'evaluate' signs the package as given, so every issue must be fixed; "
                f"negotiable: {', '.join(open_issues)}"
            )
        return self


DEFAULTS_FILE = "defaults.yaml"


@functools.lru_cache(maxsize=1)
def _defaults_text() -> str:
    return (resources.files("sim") / "data" / DEFAULTS_FILE).read_text(encoding="utf-8")


def defaults() -> dict[str, Any]:
    """The packaged default scenario as plain data (a fresh copy)."""
    return load_yaml_text(_defaults_text(), f"<{DEFAULTS_FILE}>").data


def load_resolved(path: str | Path) -> Resolved:
    """Resolve a scenario file's ``extends:`` chain over the defaults, without validating."""
    return resolve(path, defaults=defaults(), model=Scenario)


SET = Origin("--set", None)
"""The origin of ``--set`` overrides in error messages."""

_MAX_KEY_PATH_CHARS = 1000


class _ListIndexError(InputError):
    """An override addressed a list item that is not there (raised without a file; apply_overrides adds it)."""


def split_key_path(dotted: object, origin: Origin = SET) -> tuple[str, ...]:
    """The parts of a dotted key path (``--set``, a sweep's factors and ``set:``), checked.

    Raises:
        InputError: If it is not text, has an empty part (``a..b``), or is too long.
    """
    where = {"file": origin.file, "line": origin.line}
    expected = "a dotted key path into the scenario, e.g. deterrence.horizon_years or actors.russia.red_lines.0"
    if not isinstance(dotted, str) or not dotted:
        raise InputError("bad key path", **where, expected=expected, found=repr(dotted)[:80])
    parts = tuple(dotted.split("."))
    key_path = dotted if len(dotted) <= 80 else dotted[:77] + "..."
    if len(dotted) > _MAX_KEY_PATH_CHARS or len(parts) > MAX_KEY_PATH_PARTS:
        raise InputError(
            "key path too long",
            **where,
            key_path=key_path,
            expected=f"at most {MAX_KEY_PATH_PARTS} parts and {_MAX_KEY_PATH_CHARS} characters",
            found=f"{len(parts)} parts, {len(dotted)} characters",
            hint="a scenario nests five levels deep: check the key path",
        )
    if any(not part.strip() for part in parts):
        raise InputError(
            "key path has an empty part", **where, key_path=key_path, expected=expected, hint="remove the extra dot"
        )
    return parts


def apply_overrides(
    resolved: Resolved, overrides: Mapping[str, Any], origin: Origin | Mapping[str, Origin] | None = None
) -> Resolved:
    """Apply ``{"dotted.key.path": value}`` changes (``--set``, sweep points) to a resolved scenario.

    A mapping value merges into the mapping there, unless it changes the value's form (``{min, max}``
    to ``{options: [...]}``), which replaces it; anything else replaces what was there; list items are
    addressed by index. Errors in or below a changed value are blamed on the change.

    Args:
        resolved: The resolved scenario.
        overrides: Changes by dotted key path.
        origin: Where the changes come from, for error messages: one origin for all, or one per dotted
            key (default ``--set``).

    Raises:
        InputError: If a key path is malformed or too long.
    """
    data = resolved.data
    origins = dict(resolved.origins)
    written = dict(resolved.overrides)
    replaces = forms_of(Scenario)
    for dotted, value in overrides.items():
        where = (origin.get(dotted) if isinstance(origin, Mapping) else origin) or SET
        try:
            data, keys = _set_path(data, split_key_path(dotted, where), value, replaces, ())
        except _ListIndexError as err:
            err.file, err.line = where.file, where.line
            raise
        for depth in range(1, len(keys) + 1):
            origins.setdefault(keys[:depth], where)
        origins[keys] = where
        written[keys] = where
    return Resolved(data=data, origins=origins, chain=resolved.chain, overrides=written)


def _set_path(
    data: Any, keys: tuple[str | int, ...], value: Any, replaces: Any, done: KeyPath
) -> tuple[Any, tuple[str | int, ...]]:
    """A copy of ``data`` with ``value`` at ``keys``: a mapping value merges (unless it changes form), list
    items are addressed by index.

    Returns the new data and the key path with list indices as integers.
    """
    if not keys:
        if isinstance(data, Mapping) and isinstance(value, Mapping) and not changes_form(data, value, done, replaces):
            return deep_merge(data, value, replaces=replaces, path=done), ()
        return value, ()
    head, rest = keys[0], keys[1:]
    if isinstance(data, list):
        if not (isinstance(head, str) and head.isdigit() and len(head) < 10 and int(head) < len(data)):
            where = format_key_path(done) or "the value"
            raise _ListIndexError(
                f"{where} is a list of {len(data)} items: there is no item {head!s:.40}",
                key_path=format_key_path((*done, head))[:200],
                expected=f"an index from 0 to {len(data) - 1}" if data else "nothing: the list is empty",
                found=str(head)[:80],
                hint="list items are addressed by index, e.g. actors.russia.red_lines.0.penalty",
            )
        i = int(head)
        item, tail = _set_path(data[i], rest, value, replaces, (*done, i))
        return [*data[:i], item, *data[i + 1 :]], (i, *tail)
    base = dict(data) if isinstance(data, Mapping) else {}
    item, tail = _set_path(base.get(head, {}) if rest else base.get(head), rest, value, replaces, (*done, head))
    base[head] = item
    return base, (head, *tail)


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of a scenario with ``{"dotted.key": value}`` changes, validated again.

    The same rules as ``load_scenario(..., overrides=...)`` and ``sim run --set``: a mapping value merges,
    list items are addressed by index (``actors.russia.red_lines.0.penalty``).

    Raises:
        sim.config.errors.InputError: If the changed scenario is invalid (with key path, expected and found).
    """
    data = json.loads(scenario.model_dump_json())
    resolved = Resolved(data=data, origins={}, chain=())
    changed = apply_overrides(resolved, overrides, Origin("<with_overrides>", None))
    return validate(changed, Scenario)  # type: ignore[return-value]


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, resolve and validate a scenario file.

    Args:
        path: The scenario file.
        overrides: Optional ``{"dotted.key": value}`` changes applied after resolution.

    Returns:
        The validated scenario.

    Raises:
        sim.config.errors.InputError: With file, line, key path, expected, found and a hint.
    """
    resolved = load_resolved(path)
    if overrides:
        resolved = apply_overrides(resolved, overrides)
    return validate(resolved, Scenario)  # type: ignore[return-value]


def scenario_from_mapping(data: Mapping[str, Any], *, name: str = "<mapping>") -> Scenario:
    """Validate a scenario given as a (partial) mapping merged over the defaults (for notebooks and tests)."""
    text = yaml.safe_dump(deep_merge(defaults(), dict(data)), sort_keys=False)
    loaded = load_yaml_text(text, name)
    origins = {k: Origin(name, line) for k, line in loaded.lines.items()}
    return validate(Resolved(data=loaded.data, origins=origins, chain=()), Scenario)  # type: ignore[return-value]


def deep_merge_into_defaults(changes: Mapping[str, Any]) -> Scenario:
    """The defaults with nested changes merged in, validated (a shorthand of :func:`scenario_from_mapping`)."""
    return scenario_from_mapping(changes)


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario *file* for editors: every key optional, since files override defaults."""
    schema = Scenario.model_json_schema()
    _drop_required(schema)
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Path of a base scenario file (relative to this one) that this file changes.",
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Ukraine security-guarantee scenario"
    return schema


def _drop_required(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        for v in node.values():
            _drop_required(v)
    elif isinstance(node, list):
        for v in node:
            _drop_required(v)


def dump_resolved(scenario: Scenario) -> str:
    """The scenario fully resolved, as YAML text (``sim show``)."""
    return yaml.safe_dump(json.loads(scenario.model_dump_json()), sort_keys=False, allow_unicode=True)


__all__ = [
    "ISSUES",
    "Actor",
    "Guarantor",
    "Members",
    "Scenario",
    "Package",
    "Range",
    "Options",
    "defaults",
    "load_scenario",
    "scenario_from_mapping",
    "json_schema",
    "dump_resolved",
]
