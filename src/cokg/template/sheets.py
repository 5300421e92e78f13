"""What the template holds: one sheet per kind of record, one column per property.

This table is the single description of the template. The blank workbook and its README
(cokg.template.writing), the reader that turns rows into RDF (cokg.template.converting) and
the export of a stored case back into rows (cokg.template.exporting) are all driven by it, so
what can be written can be read back, triple for triple.

A record's IRI comes from its sheet and its id cell: cokgid:<path>/<id> for records shared
between cases (organisations, places, sources ...) and cokgid:<path>/<case_id>/<id> for
records that belong to one case (findings, events, quotations, informants ...). An id or
reference cell holds a plain id (resolved by the column's rule), a path under cokgid: with slashes
(agent/english-champion, finding/other-case/x) or a full http(s) IRI: whatever a stored case
holds can be written, and what a steward types stays short.

One job, long because every sheet and column is described here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import URIRef

from cokg.namespaces import COKG, DCTERMS, PREFIXES, RDFS, SKOS
from cokg.vocabulary import (
    CHANGE_TYPES,
    CONTEXT_LEVELS,
    EVENT_TYPES,
    INNOVATION_NATURES,
    OUTCOME_LEVELS,
    PHASES,
    RATING_VALUES,
    ROLES,
    STANCES,
)

__all__ = [
    "CODE_PREFIXES",
    "COMMENTS",
    "CONCEPT_SCHEMES",
    "SHEETS",
    "STATEMENTS",
    "TABLES",
    "Column",
    "Kind",
    "Sheet",
    "sheet_for_class",
]

CODE_PREFIXES = ("cfir09", "cfir22", "gdoi", "lozeau", "frame", "cfirout", "proctor", "reaim")
# The frameworks a study may use, by the last segment of their scheme IRI.
FRAMEWORKS: dict[str, URIRef] = {
    PREFIXES[p].rstrip("/").rsplit("/", 1)[1]: URIRef(PREFIXES[p].rstrip("/"))
    for p in CODE_PREFIXES
}

# Controlled values a column may take: the word a steward types -> its IRI.
TABLES: dict[str, Mapping[str, URIRef]] = {
    "phase": PHASES,
    "stance": STANCES,
    "role": ROLES,
    "event type": EVENT_TYPES,
    "innovation nature": INNOVATION_NATURES,
    "change type": CHANGE_TYPES,
    "context level": CONTEXT_LEVELS,
    "framework": FRAMEWORKS,
    "rating value": RATING_VALUES,
    "outcome level": OUTCOME_LEVELS,
}

# The schemes a construct or outcome cell names its concept in (by the last segment of the
# scheme IRI), as shapes/rating.ttl admits them: ratings rate determinants, outcomes are judged
# on an outcome vocabulary.
CONCEPT_SCHEMES: dict[str, tuple[str, ...]] = {
    "determinant": ("cfir-2022", "cfir-2009", "greenhalgh-2004", "study-frame"),
    "outcome": ("cfir-outcomes", "proctor-2011", "re-aim"),
}

# How the plain ids of a sheet are written: most are lower-case slugs; codes printed in the
# study (informants, their interviews, location codes) and quotation ids are upper case.
SLUG = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
CODE = re.compile(r"[A-Z0-9]+(?:[-_.][A-Z0-9]+)*")
QUOTATION = re.compile(r"Q[1-9][0-9]*")
# Ids of ratings and outcomes keep their case: they are made of construct codes (III.D-adoption).
MIXED = re.compile(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")

DATE_HELP = "YYYY, YYYY-MM or YYYY-MM-DD, at the precision the source gives"


@dataclass(frozen=True)
class Column:
    """One column: the property it states and what kind of value its cells hold.

    value: text, integer, positive, nonnegative, boolean, year, year-month, date (YYYY,
    YYYY-MM or YYYY-MM-DD), day (YYYY-MM-DD, or a date and time), ref (a record of sheet
    `target`), choice (a word of TABLES[target]), rating (a rating value, read leniently:
    2, −2, x, mixed), codes (framework construct codes such as cfir22:II.D), concept (one
    concept of the schemes CONCEPT_SCHEMES[target], by prefixed code, bare code or label), link
    (any IRI, or a prefixed name such as wd:Q22) or coder (a coder id:
    cokgid:coder/<case_id>/<id>). `default` is read when the cell is blank."""

    name: str
    help: str
    predicate: URIRef | None = None
    value: str = "text"
    target: str = ""
    required: bool = False
    several: bool = False  # several values separated by ';'
    inverse: URIRef | None = None  # the row also states (value, inverse, record)
    example: str = ""
    default: str = ""

    @property
    def date(self) -> bool:
        return self.value in ("year", "year-month", "date", "day")

    @property
    def codes(self) -> bool:
        """Takes framework codes: the drop-down offers every code (hidden sheet codes)."""
        return self.value in ("codes", "concept")

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(TABLES[self.target]) if self.value in ("choice", "rating") else ()


@dataclass(frozen=True)
class Kind:
    """A kind of record a sheet holds: its class, its IRI path and, for records that belong
    to a case, the property by which the case points at it (cokg:hasGuidingQuestion)."""

    name: str
    rdf_class: URIRef
    path: str
    case_link: URIRef | None = None


@dataclass(frozen=True)
class Sheet:
    name: str
    about: str
    noun: str  # what one row is called in messages: "finding"
    id_column: str
    kinds: tuple[Kind, ...]
    columns: tuple[Column, ...]
    scoped: bool = False  # ids are unique within a case: cokgid:<path>/<case_id>/<id>
    ids: re.Pattern[str] = SLUG
    id_literal: URIRef | None = None  # the id is also stated: cokg:caseId "dundee-mrr"
    id_choice: tuple[URIRef, str] | None = None  # the id is a controlled value: cokg:ofPhase
    id_example: str = ""
    id_help: str = ""
    # One row per combination of these columns' values (with the case): a second is an error.
    unique: tuple[str, ...] = ()
    # A blank id cell is made from these columns' values (the id column is then optional).
    mint: tuple[str, ...] = ()

    @property
    def kind_column(self) -> str | None:
        return "kind" if len(self.kinds) > 1 else None

    @property
    def kind_table(self) -> dict[str, Kind]:
        return {k.name: k for k in self.kinds}

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def upper(self) -> bool:
        return self.ids in (CODE, QUOTATION)

    @property
    def keeps_case(self) -> bool:
        return self.ids is MIXED


def _case(predicate: URIRef | None = None, *, required: bool = True) -> Column:
    return Column(
        "case_id",
        "The case (its case_id).",
        predicate,
        "ref",
        "cases",
        required=required,
        example="fictional-riverside",
    )


def _kind(sheet_kinds: tuple[Kind, ...], help: str, example: str) -> Column:
    names = " | ".join(k.name for k in sheet_kinds)
    return Column("kind", f"{help} ({names}).", value="kind", example=example)


_LABEL = Column("label", "A short name for the record.", RDFS.label)
_COMMENT = Column(
    "comment",
    "A note on the record (an encoding decision, a doubt). More notes: sheet comments.",
    RDFS.comment,
)
_LOCATED = Column(
    "located_in",
    "Where in the source it is reported: a location_id of sheet source_locations.",
    COKG.locatedIn,
    "ref",
    "source_locations",
)

# Columns of both kinds of judgement: ratings and case outcomes.
_RATIONALE = Column("rationale", "Why it was judged so, in the judge's words.", COKG.rationale)
_DAY = Column(
    "date",
    "When it was judged: YYYY-MM-DD (or a date and time, YYYY-MM-DDThh:mm:ss).",
    DCTERMS.created,
    "day",
    example="2026-03-02",
)
_JUSTIFIED = Column(
    "findings",
    "The findings of the same case it rests on: finding_id values (of sheet findings, or "
    "already stored), separated by ';'.",
    COKG.justifiedBy,
    "ref",
    "findings",
    several=True,
)


def _dates(*, single: bool = True, start_end: bool = True) -> tuple[Column, ...]:
    cols = []
    if single:
        cols.append(Column("date", f"Date: {DATE_HELP}.", COKG.date, "date", example="2018-06"))
    if start_end:
        cols += [
            Column("start", f"Start: {DATE_HELP}.", COKG.startDate, "date", example="2016"),
            Column("end", f"End: {DATE_HELP}.", COKG.endDate, "date"),
        ]
    cols += [
        Column("date_text", "The date as the source words it.", COKG.dateText, example="June 2018"),
        Column(
            "approximate",
            "yes when the source gives the date only approximately.",
            COKG.dateApproximate,
            "boolean",
        ),
    ]
    return tuple(cols)


def _sheet(
    name: str,
    about: str,
    noun: str,
    id_column: str,
    id_help: str,
    kinds: tuple[Kind, ...],
    columns: tuple[Column, ...],
    *,
    scoped: bool = False,
    case: Column | None = None,
    ids: re.Pattern[str] = SLUG,
    id_literal: URIRef | None = None,
    id_choice: tuple[URIRef, str] | None = None,
    id_example: str = "",
    kind_help: str = "",
    kind_example: str = "",
    unique: tuple[str, ...] = (),
    mint: tuple[str, ...] = (),
) -> Sheet:
    head: list[Column] = []
    if case is not None:
        head.append(case)
    head.append(Column(id_column, id_help, value="id", required=not mint, example=id_example))
    if len(kinds) > 1:
        head.append(_kind(kinds, kind_help, kind_example))
    return Sheet(
        name,
        about,
        noun,
        id_column,
        kinds,
        (*head, *columns),
        scoped=scoped,
        ids=ids,
        id_literal=id_literal,
        id_choice=id_choice,
        id_example=id_example,
        id_help=id_help,
        unique=unique,
        mint=mint,
    )


_SLUG_HELP = "lower-case words joined by hyphens"

_SHEET_LIST: tuple[Sheet, ...] = (
    _sheet(
        "cases",
        "One row per case (Tables 1, 2 and 5 of a case study).",
        "case",
        "case_id",
        f"Short id ({_SLUG_HELP}). Part of every IRI of the case.",
        (Kind("case", COKG.Case, "case"),),
        (
            Column(
                "label",
                "Name of the case.",
                RDFS.label,
                required=True,
                example="Case 9 – Riverside Peer Café",
            ),
            Column(
                "case_number",
                "The number the study gives the case.",
                COKG.caseNumber,
                "integer",
                example="9",
            ),
            Column(
                "study",
                "The study (a study_id of sheet studies).",
                COKG.inStudy,
                "ref",
                "studies",
                example="riverside-study",
            ),
            Column(
                "innovations",
                "The innovation(s) studied: innovation_id values of sheet innovations, "
                "separated by ';' (a case without one gets a warning).",
                COKG.studiesInnovation,
                "ref",
                "innovations",
                required=False,
                several=True,
                example="riverside-peer-cafe",
            ),
            Column(
                "location",
                "Where it is: place_id values of sheet places, separated by ';'.",
                COKG.location,
                "ref",
                "places",
                several=True,
            ),
            Column(
                "location_text",
                "Location, as the source writes it.",
                COKG.locationText,
                example="Riverside",
            ),
            Column(
                "administration_text",
                "Who administers it, as the source writes it.",
                COKG.administrationText,
            ),
            Column(
                "administered_by",
                "Who administers it: org_id values separated by ';'.",
                COKG.administeredBy,
                "ref",
                "organisations",
                several=True,
            ),
            Column(
                "served_group_text", "Who is served, as the source writes it.", COKG.servedGroupText
            ),
            Column(
                "served_groups",
                "Who is served: group_id values of sheet population_groups, separated by ';'.",
                COKG.servesGroup,
                "ref",
                "population_groups",
                several=True,
            ),
            Column(
                "coproduction_approach",
                "The coproduction approach, verbatim.",
                COKG.coproductionApproach,
            ),
            Column(
                "structural_vulnerability",
                "How structural vulnerability is addressed, verbatim.",
                COKG.addressingStructuralVulnerability,
            ),
            Column(
                "coproduction_start_year",
                "Year coproduction started (YYYY).",
                COKG.coproductionStartYear,
                "year",
                example="2018",
            ),
            Column(
                "interviews_from",
                "Year-month of the first interview (YYYY-MM).",
                COKG.interviewsFrom,
                "year-month",
                example="2020-02",
            ),
            Column(
                "interviews_to",
                "Year-month of the last interview (YYYY-MM).",
                COKG.interviewsTo,
                "year-month",
                example="2021-05",
            ),
            Column(
                "informant_interviews",
                "Number of informant interviews.",
                COKG.informantInterviewCount,
                "nonnegative",
                example="2",
            ),
            Column(
                "documents_reviewed",
                "Number of documents reviewed.",
                COKG.documentsReviewedCount,
                "nonnegative",
                example="3",
            ),
            _COMMENT,
        ),
        id_literal=COKG.caseId,
        id_example="fictional-riverside",
    ),
    _sheet(
        "case_items",
        "One row per guiding question (or aim) and per inclusivity principle of a case (Table 3).",
        "item",
        "item_id",
        f"Short id, unique in the case ({_SLUG_HELP}).",
        (
            Kind("guiding question", COKG.GuidingQuestion, "item", COKG.hasGuidingQuestion),
            Kind(
                "inclusivity principle",
                COKG.InclusivityPrinciple,
                "item",
                COKG.hasInclusivityPrinciple,
            ),
        ),
        (
            Column(
                "position",
                "Its number in the source's list (1, 2, ...).",
                COKG.position,
                "positive",
                example="1",
            ),
            Column("text", "The question or principle, verbatim.", COKG.text, required=True),
            _LABEL,
            _COMMENT,
        ),
        scoped=True,
        case=_case(),
        id_example="guiding-question-1",
        kind_help="What it is",
        kind_example="guiding question",
    ),
    _sheet(
        "health_systems",
        "One row per case: its health and social care system (Table 4).",
        "health system",
        "health_system_id",
        f"Short id, unique in the case ({_SLUG_HELP}); usually system.",
        (Kind("health system", COKG.HealthSystem, "health-system", COKG.hasHealthSystem),),
        (
            Column(
                "funding_model",
                "Primary funding model.",
                COKG.primaryFundingModel,
                example="Public",
            ),
            Column("funders", "Primary funders.", COKG.primaryFunders),
            Column("service_delivery", "Who delivers the services.", COKG.serviceDelivery),
            Column(
                "country",
                "The country: a place_id of sheet places.",
                COKG.inCountry,
                "ref",
                "places",
            ),
            _LABEL,
            _COMMENT,
        ),
        scoped=True,
        case=_case(),
        id_example="system",
    ),
    _sheet(
        "population_groups",
        "One row per group of people a case serves or targets.",
        "population group",
        "group_id",
        f"Short id, unique in the case ({_SLUG_HELP}).",
        (Kind("population group", COKG.PopulationGroup, "population"),),
        (
            Column("label", "Name of the group.", RDFS.label, required=True),
            Column("description", "Who they are, as the source says.", COKG.description),
            Column(
                "structurally_vulnerable",
                "yes or no.",
                COKG.structurallyVulnerable,
                "boolean",
                example="yes",
            ),
            _COMMENT,
        ),
        scoped=True,
        case=_case(),
        id_example="people-lived-experience",
    ),
    _sheet(
        "innovations",
        "One row per innovation (a case studies one or more; one may be based on another).",
        "innovation",
        "innovation_id",
        f"Short id ({_SLUG_HELP}).",
        (Kind("innovation", COKG.Innovation, "innovation"),),
        (
            Column(
                "label",
                "Name of the innovation.",
                RDFS.label,
                required=True,
                example="Riverside Peer Café",
            ),
            Column(
                "other_names",
                "Other names and acronyms, separated by ';'.",
                SKOS.altLabel,
                several=True,
            ),
            Column(
                "nature",
                "Philosophy or defined programme.",
                COKG.innovationNature,
                "choice",
                "innovation nature",
                example="philosophy",
            ),
            Column(
                "nature_description", "How the source describes its nature.", COKG.natureDescription
            ),
            Column(
                "based_on",
                "Innovations it is modelled on: innovation_id values.",
                COKG.basedOnModel,
                "ref",
                "innovations",
                several=True,
            ),
            _COMMENT,
        ),
        id_example="riverside-peer-cafe",
    ),
    _sheet(
        "innovation_states",
        "One row per state of an innovation as it evolves (its form, name, target group).",
        "innovation state",
        "state_id",
        f"Short id, unique in the case ({_SLUG_HELP}).",
        (Kind("innovation state", COKG.InnovationState, "state"),),
        (
            Column(
                "innovation",
                "The innovation (its innovation_id).",
                COKG.stateOf,
                "ref",
                "innovations",
                inverse=COKG.hasState,
            ),
            Column(
                "form", "The form it takes in this state.", COKG.stateForm, example="collaboration"
            ),
            Column("name", "Its name in this state.", COKG.stateName),
            Column(
                "target_groups",
                "Whom it targets: group_id values separated by ';'.",
                COKG.targetGroup,
                "ref",
                "population_groups",
                several=True,
            ),
            *_dates(),
            _LABEL,
            Column("other_names", "Other names, separated by ';'.", SKOS.altLabel, several=True),
            _LOCATED,
            _COMMENT,
        ),
        scoped=True,
        case=_case(),
        id_example="peer-cafe",
    ),
    _sheet(
        "innovation_changes",
        "One row per change from one state of an innovation to another.",
        "innovation change",
        "change_id",
        f"Short id, unique in the case ({_SLUG_HELP}).",
        (Kind("innovation change", COKG.InnovationChange, "change"),),
        (
            Column(
                "change_types",
                "What changed, separated by ';'.",
                COKG.changeType,
                "choice",
                "change type",
                required=True,
                several=True,
                example="renaming",
            ),
            Column(
                "from_state",
                "The state before (a state_id).",
                COKG.fromState,
                "ref",
                "innovation_states",
            ),
            Column(
                "to_state",
                "The state after (a state_id).",
                COKG.toState,
                "ref",
                "innovation_states",
            ),
            *_dates(),
            Column("description", "What happened.", COKG.description),
            _LABEL,
            _LOCATED,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.inCase),
        id_example="renamed",
    ),
    _sheet(
        "phases",
        "One row per phase of a case (adoption, implementation, assimilation): when it ran.",
        "phase",
        "phase",
        "The phase.",
        (Kind("phase", COKG.PhaseEpisode, "episode"),),
        (
            *_dates(single=False),
            _LABEL,
            _LOCATED,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.inCase),
        id_choice=(COKG.ofPhase, "phase"),
        id_example="adoption",
    ),
    _sheet(
        "events",
        "One row per timeline event.",
        "event",
        "event_id",
        f"Short id of the event, unique in the case ({_SLUG_HELP}).",
        (Kind("event", COKG.Event, "event"),),
        (
            Column("label", "Name of the event.", RDFS.label, required=True),
            *_dates(),
            Column(
                "phase",
                "Phase the event belongs to (blank for historical context).",
                COKG.duringPhase,
                "choice",
                "phase",
            ),
            Column("event_type", "Kind of event.", COKG.eventType, "choice", "event type"),
            Column("description", "What happened.", COKG.description),
            Column(
                "involves",
                "Who took part: org_id values separated by ';' (agent/ID for an unnamed "
                "individual).",
                COKG.involves,
                "ref",
                "organisations",
                several=True,
            ),
            _LOCATED,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.inCase),
        id_example="cafe-opening",
    ),
    _sheet(
        "organisations",
        "One row per organisation, or unnamed individual (never names of people).",
        "organisation",
        "org_id",
        f"Short id ({_SLUG_HELP}).",
        (
            Kind("organisation", COKG.Organisation, "org"),
            Kind("unnamed individual", COKG.UnnamedIndividual, "agent"),
        ),
        (
            Column(
                "label",
                "Name of the organisation (or how the source describes the person).",
                RDFS.label,
                required=True,
            ),
            Column(
                "other_names",
                "Acronyms and other names, separated by ';'.",
                SKOS.altLabel,
                several=True,
                example="RPN",
            ),
            Column("organisation_type", "What kind of organisation.", COKG.organisationType),
            Column(
                "based_in",
                "Where it is based: place_id values separated by ';'.",
                COKG.basedIn,
                "ref",
                "places",
                several=True,
            ),
            Column(
                "part_of",
                "Organisations it is part of: org_id values.",
                COKG.partOf,
                "ref",
                "organisations",
                several=True,
            ),
            Column(
                "established",
                "The year it was established: YYYY (the shapes take a year, not a month).",
                COKG.establishedDate,
                "year",
            ),
            Column("description", "What it is or did.", COKG.description),
            Column(
                "wikidata",
                "Its Wikidata item, e.g. wd:Q42, where certain.",
                COKG.wikidataItem,
                "link",
            ),
            _COMMENT,
        ),
        id_example="riverside-peer-network",
        kind_help="What it is",
        kind_example="organisation",
    ),
    _sheet(
        "roles",
        "One row per role an organisation plays in a case, with its phases and dates.",
        "role",
        "role_id",
        f"Short id, unique in the case ({_SLUG_HELP}), e.g. ORG-ROLE-PHASE.",
        (Kind("role", COKG.RoleAssignment, "role"),),
        (
            Column(
                "org_id",
                "The organisation (its org_id; agent/ID for an unnamed individual).",
                COKG.roleHolder,
                "ref",
                "organisations",
                required=True,
            ),
            Column("role", "The role.", COKG.role, "choice", "role", required=True, example="lead"),
            Column(
                "phases",
                "Phases during which it held the role, separated by ';'. The drop-down offers "
                "one phase; type several separated by ';' (it does not refuse them).",
                COKG.duringPhase,
                "choice",
                "phase",
                several=True,
            ),
            *_dates(single=False),
            Column("description", "What the organisation did in this role.", COKG.description),
            _LABEL,
            _LOCATED,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.inCase),
        id_example="riverside-peer-network-lead",
    ),
    _sheet(
        "findings",
        "One row per finding (a coded statement).",
        "finding",
        "finding_id",
        f"Short id, unique in the case ({_SLUG_HELP}).",
        (
            Kind("narrative", COKG.NarrativeFinding, "finding"),
            Kind("cross-case", COKG.CrossCaseFinding, "finding"),
        ),
        (
            Column(
                "statement",
                "The finding, verbatim or closely paraphrased.",
                COKG.statement,
                required=True,
            ),
            Column(
                "phase", "Phase of the finding.", COKG.inPhase, "choice", "phase", required=True
            ),
            Column(
                "codes",
                "Constructs or outcomes, prefixed and separated by ';' (cfir09:, cfir22:, "
                "gdoi:, lozeau:, frame:, cfirout:, proctor:, reaim:). The drop-down offers every "
                "code (hidden sheet codes: code and label; or run cokg constructs TEXT); it is a "
                "hint only, so several codes separated by ';' are accepted.",
                COKG.codedTo,
                "codes",
                required=True,
                several=True,
                example="frame:process; cfir22:II.D",
            ),
            Column(
                "stance", "Stance, where the source gives one.", COKG.stance, "choice", "stance"
            ),
            Column(
                "context_level",
                "Outer or inner context, where it applies.",
                COKG.contextLevel,
                "choice",
                "context level",
            ),
            Column(
                "position",
                "Position of the bullet in its table cell (1, 2, ...). "
                "Required for a cross-case finding.",
                COKG.position,
                "positive",
            ),
            Column(
                "located_in",
                "Where in the source it is: a location_id of sheet source_locations (required).",
                COKG.locatedIn,
                "ref",
                "source_locations",
                required=True,
            ),
            Column(
                "coder",
                "Who coded it, when coders' agreement is measured (cokg agreement): a short id "
                f"such as coder-a ({_SLUG_HELP}; never a person's name). One row per finding "
                "per coder: each coder's finding has its own finding_id, and the quotations "
                "they coded support each coder's finding.",
                COKG.coder,
                "coder",
                example="coder-a",
            ),
            _LABEL,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.aboutCase),
        kind_help="narrative (stated in the text) or cross-case (a table bullet)",
        kind_example="narrative",
    ),
    _sheet(
        "informants",
        "One row per informant, known only by the code the study prints.",
        "informant",
        "informant_code",
        "The informant's code as printed in the study (P01, KE-03, DND-05: capital letters and "
        "digits, with a digit), unique within the case.",
        (Kind("informant", COKG.Informant, "informant"),),
        (
            Column(
                "location_code",
                "The location code (its code on sheet location_codes).",
                COKG.locationCode,
                "ref",
                "location_codes",
            ),
            _LABEL,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.informantOf),
        ids=CODE,
        id_literal=COKG.informantCode,
        id_example="RVS-01",
    ),
    _sheet(
        "interviews",
        "One row per interview.",
        "interview",
        "interview_id",
        "Short id (upper case, e.g. the informant's code).",
        (Kind("interview", COKG.Interview, "interview"),),
        (
            Column(
                "informant_code",
                "Who was interviewed (an informant_code); a focus group's members separated "
                "by ';'.",
                COKG.interviewee,
                "ref",
                "informants",
                required=True,
                several=True,
            ),
            _LABEL,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.inCase),
        ids=CODE,
        id_example="RVS-01",
    ),
    _sheet(
        "quotations",
        "One row per quotation.",
        "quotation",
        "quotation_id",
        "Q1, Q2, ... numbered per case.",
        (Kind("quotation", COKG.Quotation, "quotation"),),
        (
            Column(
                "informant_code",
                "The informant quoted (an informant_code of sheet informants).",
                COKG.quotedInformant,
                "ref",
                "informants",
                required=True,
                example="RVS-01",
            ),
            Column("text", "The quotation, verbatim.", COKG.text, required=True),
            Column(
                "supports",
                "Findings it supports: finding_id values separated by ';' (a quotation that "
                "supports none gets a warning).",
                COKG.supports,
                "ref",
                "findings",
                several=True,
            ),
            Column("phase", "Phase of the section it appears in.", COKG.inPhase, "choice", "phase"),
            Column(
                "interview",
                "The interview it comes from (an interview_id).",
                COKG.fromInterview,
                "ref",
                "interviews",
            ),
            Column(
                "located_in",
                "Where in the source it appears: a location_id (required).",
                COKG.locatedIn,
                "ref",
                "source_locations",
                required=True,
            ),
            _LABEL,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.aboutCase),
        ids=QUOTATION,
        id_literal=COKG.quotationId,
        id_example="Q1",
    ),
    _sheet(
        "documents",
        "One row per document used as evidence.",
        "document",
        "document_id",
        f"Short id, unique in the case ({_SLUG_HELP}).",
        (Kind("document", COKG.Document, "document"),),
        (
            Column("title", "Title of the document.", DCTERMS.title, required=True),
            Column("document_kind", "grey literature or academic literature.", COKG.documentKind),
            Column(
                "supports",
                "Findings it supports: finding_id values separated by ';'.",
                COKG.supports,
                "ref",
                "findings",
                several=True,
            ),
            _LABEL,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.aboutCase),
    ),
    _sheet(
        "ratings",
        "One row per construct rating: how one framework construct bore on one case (in one "
        "phase), +2, +1, 0, -1, -2, X (mixed) or missing, by one rater.",
        "rating",
        "rating_id",
        "Short id, unique in the case; leave it blank and it is made from construct, phase "
        "and rater (cfir22-IV.A-adoption-rater-a).",
        (Kind("rating", COKG.ConstructRating, "rating"),),
        (
            Column(
                "construct",
                "The construct rated: its code (cfir22:IV.A), or its bare code or label "
                "(High-level Leaders) when only one construct of CFIR 2022, CFIR 2009, "
                "Greenhalgh 2004 or the study frame has it: a bare code both CFIR versions use "
                "(III.D) must be prefixed. The drop-down offers every code, as a hint.",
                COKG.ratedConstruct,
                "concept",
                "determinant",
                required=True,
                example="cfir22:IV.A",
            ),
            Column(
                "phase",
                "The phase the rating is confined to; blank rates the case as a whole.",
                COKG.ratedPhase,
                "choice",
                "phase",
                example="adoption",
            ),
            Column(
                "rating",
                "The rating: +2, +1, 0, -1, -2, X (mixed: helped and hindered, cannot be "
                "netted out) or missing (the data say too little). 2, −2 and mixed are read "
                "as +2, -2 and X.",
                COKG.ratingValue,
                "rating",
                "rating value",
                required=True,
                example="+2",
            ),
            _RATIONALE,
            Column(
                "rater",
                "Who rated it: a short id such as rater-a "
                f"({_SLUG_HELP}; never a person's name), or coder/ID for a stored coder. One "
                "rating per case, construct, phase and rater.",
                COKG.rater,
                "coder",
                example="rater-a",
            ),
            _DAY,
            _JUSTIFIED,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.ratedCase),
        ids=MIXED,
        id_example="IV.A-adoption-a",
        unique=("construct", "phase", "rater"),
        mint=("construct", "phase", "rater"),
    ),
    _sheet(
        "outcomes",
        "One row per case outcome: how well one case did on one outcome (high, mixed or low), "
        "as one judge saw it.",
        "outcome",
        "outcome_id",
        "Short id, unique in the case; leave it blank and it is made from outcome and judge "
        "(cfirout-implementation-rater-a).",
        (Kind("outcome", COKG.CaseOutcome, "outcome"),),
        (
            Column(
                "outcome",
                "The outcome judged: its code (cfirout:implementation, proctor:fidelity, "
                "reaim:reach), or its bare code or label when only one outcome of the CFIR "
                "outcomes addendum, Proctor et al. 2011 or RE-AIM has it. An outcome is "
                "required: a blank cell is read as cfirout:implementation (actual "
                "implementation).",
                COKG.outcomeAspect,
                "concept",
                "outcome",
                example="cfirout:implementation",
                default="cfirout:implementation",
            ),
            Column(
                "level",
                "How well the case did on it.",
                COKG.outcomeLevel,
                "choice",
                "outcome level",
                required=True,
                example="high",
            ),
            Column(
                "judged_by",
                f"Who judged it: a short id such as rater-a ({_SLUG_HELP}; never a person's "
                "name), or coder/ID for a stored coder. One outcome per case, outcome and judge.",
                COKG.rater,
                "coder",
                example="rater-a",
            ),
            _RATIONALE,
            _DAY,
            _JUSTIFIED,
            _COMMENT,
        ),
        scoped=True,
        case=_case(COKG.outcomeOfCase),
        ids=MIXED,
        id_example="implementation",
        unique=("outcome", "judged_by"),
        mint=("outcome", "judged_by"),
    ),
    _sheet(
        "studies",
        "One row per study (the research that the cases belong to).",
        "study",
        "study_id",
        f"Short id ({_SLUG_HELP}).",
        (Kind("study", COKG.Study, "study"),),
        (
            _LABEL,
            Column("design", "The study design.", COKG.studyDesign),
            Column("start", "The year it started: YYYY.", COKG.startDate, "year"),
            Column("end", "The year it ended: YYYY.", COKG.endDate, "year"),
            Column(
                "frameworks",
                "Frameworks it codes with, separated by ';'.",
                COKG.usesFramework,
                "choice",
                "framework",
                several=True,
            ),
            Column(
                "data_sources",
                "Its data sources, as the source describes them.",
                COKG.dataSourceDescription,
            ),
            Column("informant_coding", "How informants are coded.", COKG.informantCodingScheme),
            Column(
                "reported_in",
                "Where it is reported: source_id values separated by ';'.",
                COKG.reportedIn,
                "ref",
                "sources",
                several=True,
            ),
            _COMMENT,
        ),
        id_example="riverside-study",
    ),
    _sheet(
        "sources",
        "One row per source document (an article or report the cases are encoded from).",
        "source",
        "source_id",
        f"Short id ({_SLUG_HELP}).",
        (Kind("source", COKG.SourceDocument, "source"),),
        (
            Column("title", "Title of the publication or report.", DCTERMS.title),
            _LABEL,
            _COMMENT,
        ),
        id_example="riverside-report",
    ),
    _sheet(
        "source_locations",
        "One row per place in a source that records point to: a section, or a table cell.",
        "source location",
        "location_id",
        f"Short id ({_SLUG_HELP}).",
        (Kind("source location", COKG.SourceLocation, "source"),),
        (
            Column(
                "source",
                "The source document (a source_id of sheet sources).",
                COKG.inSource,
                "ref",
                "sources",
                required=True,
            ),
            Column(
                "section", "Section of the source.", COKG.section, example="Findings / Adoption"
            ),
            Column("table", "Table of the source, e.g. Table 6.", COKG.table),
            Column("table_row", "Row of that table.", COKG.tableRow),
            Column("table_column", "Column of that table.", COKG.tableColumn),
            _LABEL,
            _COMMENT,
        ),
        id_example="riverside-adoption",
    ),
    _sheet(
        "places",
        "One row per place (a city, a region, a country).",
        "place",
        "place_id",
        f"Short id ({_SLUG_HELP}).",
        (Kind("place", COKG.Place, "place"),),
        (
            Column("label", "Name of the place.", RDFS.label, required=True),
            Column("other_names", "Other names, separated by ';'.", SKOS.altLabel, several=True),
            Column("place_type", "city, county, region, country ...", COKG.placeType),
            Column(
                "within",
                "Places it lies within: place_id values.",
                COKG.withinPlace,
                "ref",
                "places",
                several=True,
            ),
            Column(
                "wikidata",
                "Its Wikidata item, e.g. wd:Q22, where certain.",
                COKG.wikidataItem,
                "link",
            ),
            _COMMENT,
        ),
        id_example="riverside",
    ),
    _sheet(
        "location_codes",
        "One row per location code (a site's code that informant codes start with: DND of DND-05).",
        "location code",
        "code",
        "The code, upper case.",
        (Kind("location code", COKG.LocationCode, "location-code"),),
        (
            Column("label", "The place or group it stands for.", RDFS.label, required=True),
            Column(
                "cases",
                "Cases it is used for: case_id values.",
                COKG.codeForCase,
                "ref",
                "cases",
                several=True,
            ),
            _COMMENT,
        ),
        ids=CODE,
        id_literal=SKOS.notation,
        id_example="RVS",
    ),
)

# Anything else a stored case holds, one statement per row: a second comment on a record,
# a property no sheet has a column for. An export writes here only what no other sheet holds.
COMMENTS = Sheet(
    "comments",
    "More notes on any record, one per row (a record's own sheet holds one in comment).",
    "comment",
    "record",
    (),
    (
        Column(
            "record",
            "The record: kind/id, kind/case_id/id or a full IRI.",
            required=True,
            example="finding/fictional-riverside/peer-hosts",
        ),
        Column("comment", "The note.", RDFS.comment, required=True),
    ),
)
STATEMENTS = Sheet(
    "statements",
    "Anything no other sheet has a column for, one statement per row.",
    "statement",
    "record",
    (),
    (
        Column("record", "The record: kind/id, kind/case_id/id or a full IRI.", required=True),
        Column(
            "property",
            "The property, as prefix:name (cokg:..., rdfs:...) or a full IRI.",
            required=True,
        ),
        Column("value", "The value, exactly."),
        Column(
            "datatype",
            "Blank for text; link when the value is a record or IRI; else the datatype, e.g. "
            "xsd:gYear.",
        ),
        Column("language", "The language tag of a text value, e.g. en."),
    ),
)

SHEETS: dict[str, Sheet] = {s.name: s for s in (*_SHEET_LIST, COMMENTS, STATEMENTS)}
RECORD_SHEETS: tuple[Sheet, ...] = _SHEET_LIST


def sheet_for_class(rdf_class: URIRef) -> tuple[Sheet, Kind] | None:
    """The sheet (and kind) that holds records of a class."""
    return _BY_CLASS.get(rdf_class)


_BY_CLASS: dict[URIRef, tuple[Sheet, Kind]] = {
    k.rdf_class: (s, k) for s in _SHEET_LIST for k in s.kinds
}
