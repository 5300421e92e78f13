"""The controlled values of the ontology, as Python constants: the one place code names them.

Each mapping goes from the value's `skos:notation` (the word used in templates, query
parameters and reports) to its IRI, in the ontology's order: the order of the value set's
`owl:AllDifferent` list (for phases also their `cokg:phaseOrder`). tests/test_vocabulary.py
reads ontology/modules/*.ttl and holds every mapping equal to what the ontology declares, so a
value added, renamed or removed there fails the test until this module says the same.
"""

from __future__ import annotations

from rdflib import URIRef

from cokg.namespaces import COKG

# cokg:Phase (phase.ttl), in cokg:phaseOrder.
PHASES: dict[str, URIRef] = {
    "adoption": COKG.Adoption,
    "implementation": COKG.Implementation,
    "assimilation": COKG.Assimilation,
}

# cokg:Stance (finding.ttl).
STANCES: dict[str, URIRef] = {
    "facilitator": COKG.Facilitator,
    "barrier": COKG.Barrier,
    "risk": COKG.Risk,
    "resisted": COKG.Resisted,
    "occurred": COKG.Occurred,
    "not-observed": COKG.NotObserved,
    "neutral": COKG.Neutral,
}

# cokg:Role (organisation.ttl).
ROLES: dict[str, URIRef] = {
    "lead": COKG.LeadRole,
    "partner": COKG.PartnerRole,
    "funder": COKG.FunderRole,
    "external-change-agent": COKG.ExternalChangeAgentRole,
    "knowledge-purveyor": COKG.KnowledgePurveyorRole,
    "peer-organisation": COKG.PeerOrganisationRole,
    "administrator": COKG.AdministratorRole,
    "evaluation-partner": COKG.EvaluationPartnerRole,
    "policy-sponsor": COKG.PolicySponsorRole,
    "national-office": COKG.NationalOfficeRole,
    "model-originator": COKG.ModelOriginatorRole,
}

# cokg:EventType (phase.ttl).
EVENT_TYPES: dict[str, URIRef] = {
    "founding": COKG.Founding,
    "meeting": COKG.Meeting,
    "conference": COKG.Conference,
    "launch": COKG.Launch,
    "visit": COKG.Visit,
    "award": COKG.Award,
    "decision": COKG.Decision,
    "critical-incident": COKG.CriticalIncident,
    "milestone": COKG.Milestone,
    "policy-event": COKG.PolicyEvent,
    "media-coverage": COKG.MediaCoverage,
}

# cokg:InnovationNature (case.ttl).
INNOVATION_NATURES: dict[str, URIRef] = {
    "philosophy": COKG.Philosophy,
    "defined-programme": COKG.DefinedProgramme,
}

# cokg:ChangeType (case.ttl).
CHANGE_TYPES: dict[str, URIRef] = {
    "renaming": COKG.Renaming,
    "form-change": COKG.FormChange,
    "target-group-change": COKG.TargetGroupChange,
    "scope-change": COKG.ScopeChange,
}

# cokg:ContextLevel (context.ttl).
CONTEXT_LEVELS: dict[str, URIRef] = {
    "outer-context": COKG.OuterContext,
    "inner-context": COKG.InnerContext,
}

# cokg:RatingValue (rating.ttl): CFIR construct ratings, strongest positive first.
RATING_VALUES: dict[str, URIRef] = {
    "+2": COKG.RatingPlus2,
    "+1": COKG.RatingPlus1,
    "0": COKG.RatingZero,
    "-1": COKG.RatingMinus1,
    "-2": COKG.RatingMinus2,
    "X": COKG.RatingMixed,
    "missing": COKG.RatingMissing,
}

# Dashes a spreadsheet program, word processor or QDA program puts for the minus of -2.
MINUS_SIGNS = str.maketrans(dict.fromkeys("\u2212\u2012\u2013\u2014\ufe63\uff0d", "-"))
_RATING_WORDS = {"+0": "0", "-0": "0", "x": "X", "mixed": "X"}


def rating_notation(text: str, *, unsigned: bool = False, missing: bool = False) -> str | None:
    """The rating value's notation (a key of RATING_VALUES) `text` spells, else None: +2 … -2
    with any minus sign, X, x or mixed; `unsigned` also reads 1 and 2 as +1 and +2 (a
    spreadsheet drops the +; but "Culture (2)" in a QDA code name is a second code of one
    name); `missing` also reads the word missing."""
    t = text.strip().translate(MINUS_SIGNS).casefold()
    t = _RATING_WORDS.get(t, t)
    if t in ("+2", "+1", "0", "-1", "-2", "X"):
        return t
    if unsigned and t in ("1", "2"):
        return "+" + t
    if missing and t == "missing":
        return "missing"
    return None


# cokg:OutcomeLevel (rating.ttl): how well a case did on an outcome.
OUTCOME_LEVELS: dict[str, URIRef] = {
    "high": COKG.HighOutcome,
    "mixed": COKG.MixedOutcome,
    "low": COKG.LowOutcome,
}

# The names alone, for listings and parameter checks.
PHASE_NAMES: tuple[str, ...] = tuple(PHASES)

# The ontology class whose individuals each mapping lists (tests/test_vocabulary.py).
VALUE_SETS: dict[str, tuple[URIRef, dict[str, URIRef]]] = {
    "phase": (COKG.Phase, PHASES),
    "stance": (COKG.Stance, STANCES),
    "role": (COKG.Role, ROLES),
    "event type": (COKG.EventType, EVENT_TYPES),
    "innovation nature": (COKG.InnovationNature, INNOVATION_NATURES),
    "change type": (COKG.ChangeType, CHANGE_TYPES),
    "context level": (COKG.ContextLevel, CONTEXT_LEVELS),
    "rating value": (COKG.RatingValue, RATING_VALUES),
    "outcome level": (COKG.OutcomeLevel, OUTCOME_LEVELS),
}

__all__ = [
    "CHANGE_TYPES",
    "CONTEXT_LEVELS",
    "EVENT_TYPES",
    "INNOVATION_NATURES",
    "OUTCOME_LEVELS",
    "PHASES",
    "PHASE_NAMES",
    "RATING_VALUES",
    "ROLES",
    "STANCES",
    "VALUE_SETS",
]
