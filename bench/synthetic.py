"""Synthetic consortium generator: N cases shaped like the founding data, ~1,000 triples each.

    python bench/synthetic.py --cases 1000 --out bench/out/synthetic.nt
    python bench/synthetic.py --cases 100 --format nq --out bench/out/synthetic.nq

Each case has an innovation with states and a change, a health system and place, organisations
with role assignments (including external change agents acting before adoption), three phase
episodes, dated events, findings coded to the real framework concepts (every tenth also to an
implementation outcome), quotations from anonymised informants supporting findings, and source
locations. Terms are the contract's. Output is
deterministic for a given --seed.

Rated profiles also give each case CFIR 2022 construct ratings and an implementation outcome
(high, mixed or low; cfirout:implementation). "all" rates every construct (48) in each of the
three phases, "few" five constructs in one phase each; each rating cites one to three of the
case's findings of its phase. Three constructs (III.D, IV.A, V.D) follow the outcome - rated up
where it was high, down where it was low - so distinguishing-constructs has something to find;
the others are drawn at random. The ratings come from their own random stream, so the rest of a
case is the same with or without them. With --format nq each case goes into its own named graph
(graph/synthetic-case-<n>) and the shared records (study, source, organisations) into
graph/synthetic-shared, like data/cases/<id>.ttl and data/organisations.ttl.

Load the ontology and frameworks next to it for queries that join to framework labels or phases.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cokg.namespaces import (
    CFIR22,
    CFIROUT,
    COKG,
    COKGID,
    DCTERMS,
    FRAME,
    GDOI,
    LOZEAU,
    PROCTOR,
    PROV,
    RDF,
    RDFS,
    REAIM,
    SKOS,
    XSD,
    graph_iri,
)

Quad = tuple[str, str, str, str | None]

PHASES = [("adoption", COKG.Adoption), ("implementation", COKG.Implementation),
          ("assimilation", COKG.Assimilation)]  # fmt: skip
ROLES = [COKG.LeadRole, COKG.PartnerRole, COKG.FunderRole, COKG.ExternalChangeAgentRole,
         COKG.KnowledgePurveyorRole, COKG.PeerOrganisationRole]  # fmt: skip
STANCES = [COKG.Facilitator, COKG.Barrier, COKG.Risk, COKG.Occurred, COKG.Neutral]
EVENT_TYPES = [COKG.Founding, COKG.Meeting, COKG.Conference, COKG.Launch, COKG.Visit,
               COKG.Decision, COKG.Milestone, COKG.PolicyEvent]  # fmt: skip
FRAME_ELEMENTS = ["external-context", "internal-context", "individual-characteristics",
                  "innovation-features", "process"]  # fmt: skip
LOZEAU_SCENARIOS = ["transformation", "customization", "loose-coupling", "co-optation"]
CFIR22_CODES = ["I.A", "I.B", "II.A", "II.B", "II.D", "III.A", "III.B", "IV.A", "V.A", "V.B"]
GDOI_CODES = ["10.1", "10.2", "10.3", "3.1", "3.2", "4.1", "5.2", "6.1"]
# Every tenth finding is also coded to an implementation outcome (outcomes-by-phase): some are
# reached through the outcome vocabularies' mappings, adoptability by none.
OUTCOME_CODES = [PROCTOR.adoption, PROCTOR.fidelity, REAIM.reach, REAIM.maintenance,
                 CFIROUT.adoptability]  # fmt: skip
# CFIR 2022's 48 constructs (its five domains I-V; subconstructs such as III.D.1 left out)
CFIR22_DOMAINS = [("I", 8), ("II", 7), ("III", 11), ("IV", 13), ("V", 9)]  # constructs in each
CFIR22_CONSTRUCTS = [f"{domain}.{chr(65 + i)}" for domain, n in CFIR22_DOMAINS for i in range(n)]
# Constructs whose rating follows the case's outcome (what distinguishing-constructs finds).
SIGNAL_CONSTRUCTS = ["III.D", "IV.A", "V.D"]
RATING_VALUES = [(COKG.RatingPlus2, "+2"), (COKG.RatingPlus1, "+1"), (COKG.RatingZero, "0"),
                 (COKG.RatingMinus1, "-1"), (COKG.RatingMinus2, "-2"), (COKG.RatingMixed, "X"),
                 (COKG.RatingMissing, "missing")]  # fmt: skip
# middling values commoner, X and missing rare; leaning positive (mean +0.47), so that a
# construct drawn at random does not land on opposite sides of 0 in the two outcome groups
RATING_WEIGHTS = [3, 5, 4, 2, 1, 1, 1]
OUTCOME_LEVELS = [("high", COKG.HighOutcome), ("mixed", COKG.MixedOutcome),
                  ("low", COKG.LowOutcome)]  # fmt: skip
# the value indices a signal construct draws from, by outcome level
SIGNAL_VALUES = {"high": [0, 1], "mixed": [1, 2, 3], "low": [3, 4]}
RATING_SETS = ("none", "few", "all")
CHANGE_TYPES = [COKG.Renaming, COKG.FormChange, COKG.TargetGroupChange, COKG.ScopeChange]
WORDS = [
    "coproduction", "recovery", "peer", "support", "network", "learning", "centre", "community",
    "partners", "funding", "council", "volunteers", "mindset", "programme", "workshop", "cafe",
    "inclusion", "access", "training", "evaluation", "leadership", "trust", "stigma", "housing",
]  # fmt: skip

N_COUNTRIES = 40
N_ORGS = 4
N_ROLES = 6
N_EVENTS = 15
N_SOURCES = 20
N_LIST_ITEMS = 3


@dataclass(frozen=True)
class Profile:
    """How densely a synthetic case is coded: informants, findings and quotations per case."""

    informants: int
    findings: int
    quotes: int
    ratings: str = "none"  # one of RATING_SETS: which constructs each case has rated


# "founding": shaped like the three founding cases (~1,058 triples a case), unrated. "dense": a
# study coding ~400 quotations a site and rating every construct in every phase (~5,000 triples
# and 144 ratings, ~1,450 triples; 150 sites ~0.97M triples). "sparse": a light multi-site
# survey rating five constructs (~770 + ~50 triples; 1,700 sites ~1.4M triples). "rated":
# founding-shaped cases rated like dense ones (~2,500 triples; 1,000 cases ~2.5M triples), the
# tier of bench/bench_ratings.py.
PROFILES = {
    "founding": Profile(informants=6, findings=40, quotes=25),
    "dense": Profile(informants=12, findings=100, quotes=400, ratings="all"),
    "sparse": Profile(informants=3, findings=30, quotes=10, ratings="few"),
    "rated": Profile(informants=6, findings=40, quotes=25, ratings="all"),
}


def _iri(term: object) -> str:
    return f"<{term}>"


def _lit(text: str, datatype: object = None) -> str:
    esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if datatype is None or str(datatype) == str(XSD.string):
        return f'"{esc}"'
    return f'"{esc}"^^<{datatype}>'


def _int(n: int, datatype: object = XSD.integer) -> str:
    return _lit(str(n), datatype)


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def iter_quads(
    cases: int, seed: int = 42, profile: str = "founding", ratings: str | None = None
) -> Iterator[Quad]:
    """Yield (subject, predicate, object, graph) in N-Triples term syntax; graph None = default.
    `ratings` (one of RATING_SETS) overrides the profile's."""
    rng = random.Random(seed)
    shared = _iri(graph_iri("synthetic-shared"))
    a = _iri(RDF.type)
    study = _iri(COKGID["study/synthetic-consortium"])
    source = _iri(COKGID["source/synthetic-article"])
    yield study, a, _iri(COKG.Study), shared
    yield study, _iri(RDFS.label), _lit("Synthetic consortium"), shared
    yield study, _iri(COKG.startDate), _lit("2019", XSD.gYear), shared
    yield study, _iri(COKG.reportedIn), source, shared
    yield source, a, _iri(COKG.SourceDocument), shared
    for k in range(N_COUNTRIES):
        country = _iri(COKGID[f"place/country-{k}"])
        yield country, a, _iri(COKG.Place), shared
        yield country, _iri(RDFS.label), _lit(f"Country {k}"), shared
        yield country, _iri(COKG.placeType), _lit("country"), shared

    shape = PROFILES[profile]
    rated = shape.ratings if ratings is None else ratings
    if rated not in RATING_SETS:
        raise ValueError(f"ratings must be one of {', '.join(RATING_SETS)}, not {rated!r}")
    raters = [_iri(COKGID[f"coder/synthetic-rater-{i}"]) for i in (1, 2)]
    if rated != "none":
        for i, rater in enumerate(raters, 1):
            yield rater, a, _iri(PROV.Agent), shared
            yield rater, _iri(RDFS.label), _lit(f"Synthetic rater {i}"), shared
    for c in range(1, cases + 1):
        yield from _case(rng, c, study, source, shared, shape)
        if rated != "none":
            yield from _ratings(random.Random(f"{seed}-ratings-{c}"), c, shape, rated, raters)


def _case(
    rng: random.Random, c: int, study: str, source: str, shared: str, shape: Profile
) -> Iterator[Quad]:
    cid = f"synthetic-{c:05d}"
    g = _iri(graph_iri(f"synthetic-case-{c}"))
    label = _iri(RDFS.label)

    def t(s: str, p: object, o: str, graph: str = g) -> Quad:
        return s, _iri(p), o, graph

    case = _iri(COKGID[f"case/{cid}"])
    innov = _iri(COKGID[f"innovation/{cid}"])
    place = _iri(COKGID[f"place/{cid}-town"])
    country = _iri(COKGID[f"place/country-{c % N_COUNTRIES}"])
    group = _iri(COKGID[f"population-group/{cid}"])
    hs = _iri(COKGID[f"health-system/{cid}"])
    code = f"{chr(65 + c % 26)}{chr(65 + (c // 26) % 26)}{chr(65 + (c // 676) % 26)}"
    loc_code = _iri(COKGID[f"location-code/{code}-{c}"])
    start = 1995 + rng.randrange(25)

    # case
    yield t(case, RDF.type, _iri(COKG.Case))
    yield t(case, COKG.inStudy, study)
    yield t(case, COKG.caseNumber, _int(c))
    yield t(case, COKG.caseId, _lit(cid))
    yield case, label, _lit(f"Case {c}"), g
    yield t(case, COKG.studiesInnovation, innov)
    yield t(case, COKG.location, place)
    yield t(case, COKG.locationText, _lit(f"Town {c}, Country {c % N_COUNTRIES}"))
    yield t(case, COKG.administrationText, _lit("Third sector and health board"))
    yield t(case, COKG.servesGroup, group)
    yield t(case, COKG.servedGroupText, _lit("People with lived experience"))
    yield t(case, COKG.coproductionApproach, _lit(_sentence(rng, 8)))
    yield t(case, COKG.coproductionStartYear, _lit(str(start + 10), XSD.gYear))
    yield t(case, COKG.interviewsFrom, _lit("2019-06", XSD.gYearMonth))
    yield t(case, COKG.interviewsTo, _lit("2021-03", XSD.gYearMonth))
    yield t(case, COKG.informantInterviewCount, _int(shape.informants, XSD.nonNegativeInteger))
    yield t(case, COKG.documentsReviewedCount, _int(rng.randrange(3, 20), XSD.nonNegativeInteger))
    yield t(case, COKG.hasHealthSystem, hs)
    for kind, cls, prop in [("question", COKG.GuidingQuestion, COKG.hasGuidingQuestion),
                            ("principle", COKG.InclusivityPrinciple,
                             COKG.hasInclusivityPrinciple)]:  # fmt: skip
        for i in range(1, N_LIST_ITEMS + 1):
            item = _iri(COKGID[f"{kind}/{cid}/{i}"])
            yield t(case, prop, item)
            yield t(item, RDF.type, _iri(cls))
            yield t(item, COKG.text, _lit(_sentence(rng, 7)))
            yield t(item, COKG.position, _int(i, XSD.positiveInteger))

    # place, population group, health system
    yield t(place, RDF.type, _iri(COKG.Place))
    yield place, label, _lit(f"Town {c}"), g
    yield t(place, COKG.placeType, _lit("city"))
    yield t(place, COKG.withinPlace, country)
    yield t(group, RDF.type, _iri(COKG.PopulationGroup))
    yield group, label, _lit("People with mental health problems"), g
    yield t(group, COKG.structurallyVulnerable, _lit("true", XSD.boolean))
    yield t(group, COKG.description, _lit(_sentence(rng, 6)))
    yield t(hs, RDF.type, _iri(COKG.HealthSystem))
    yield t(hs, COKG.primaryFundingModel, _lit("Tax-funded"))
    yield t(hs, COKG.primaryFunders, _lit("National government"))
    yield t(hs, COKG.serviceDelivery, _lit("Public"))
    yield t(hs, COKG.inCountry, country)

    # innovation, states, change
    yield t(innov, RDF.type, _iri(COKG.Innovation))
    yield innov, label, _lit(f"Innovation {c}"), g
    nature = COKG.Philosophy if c % 3 == 1 else COKG.DefinedProgramme
    yield t(innov, COKG.innovationNature, _iri(nature))
    yield t(innov, COKG.natureDescription, _lit(_sentence(rng, 6)))
    states = []
    for i, form in enumerate(["project", "network"]):
        st = _iri(COKGID[f"state/{cid}/{form}"])
        states.append(st)
        yield t(innov, COKG.hasState, st)
        yield t(st, RDF.type, _iri(COKG.InnovationState))
        yield st, label, _lit(f"Innovation {c} {form}"), g
        yield t(st, COKG.stateOf, innov)
        yield t(st, COKG.stateForm, _lit(form))
        yield t(st, COKG.stateName, _lit(f"Innovation {c} {form}"))
        yield t(st, COKG.targetGroup, group)
        yield t(st, COKG.startDate, _lit(str(start + 10 + 3 * i), XSD.gYear))
    change = _iri(COKGID[f"change/{cid}/project-to-network"])
    yield t(change, RDF.type, _iri(COKG.InnovationChange))
    yield t(change, COKG.fromState, states[0])
    yield t(change, COKG.toState, states[1])
    yield t(change, COKG.changeType, _iri(rng.choice(CHANGE_TYPES)))
    yield t(change, COKG.description, _lit(_sentence(rng, 8)))
    yield t(change, COKG.date, _lit(str(start + 13), XSD.gYear))
    yield t(change, COKG.inCase, case)

    # source locations
    srcs = []
    for i in range(1, N_SOURCES + 1):
        sl = _iri(COKGID[f"source/{cid}-{i}"])
        srcs.append(sl)
        yield t(sl, RDF.type, _iri(COKG.SourceLocation))
        yield t(sl, COKG.inSource, source)
        yield t(sl, COKG.section, _lit(f"Findings / Case {c} / {PHASES[i % 3][0].title()}"))
        yield t(sl, COKG.table, _lit(f"Table {6 + i % 3}"))
        yield t(sl, COKG.tableRow, _lit(FRAME_ELEMENTS[i % 5]))
        yield t(sl, COKG.tableColumn, _lit(f"Case {c}"))
    yield t(change, COKG.locatedIn, srcs[0])

    # organisations (shared graph, like data/organisations.ttl) and role assignments
    orgs = []
    for i in range(1, N_ORGS + 1):
        org = _iri(COKGID[f"org/{cid}-{i}"])
        orgs.append(org)
        yield t(org, RDF.type, _iri(COKG.Organisation), shared)
        yield org, label, _lit(f"Organisation {c}-{i}"), shared
        yield t(org, SKOS.altLabel, _lit(f"O{c}X{i}"), shared)
        yield t(
            org, COKG.organisationType, _lit(rng.choice(["charity", "public", "network"])), shared
        )
        yield t(org, COKG.basedIn, place, shared)
    yield t(case, COKG.administeredBy, orgs[0])

    # phase episodes: adoption starts `start + 10`, implementation +2, assimilation +5 (open)
    ep_start = [start + 10, start + 12, start + 15]
    for i, (name, phase) in enumerate(PHASES):
        ep = _iri(COKGID[f"episode/{cid}/{name}"])
        yield t(ep, RDF.type, _iri(COKG.PhaseEpisode))
        yield t(ep, COKG.ofPhase, _iri(phase))
        yield t(ep, COKG.inCase, case)
        yield t(ep, COKG.startDate, _lit(str(ep_start[i]), XSD.gYear))
        if i < 2:
            yield t(ep, COKG.endDate, _lit(str(ep_start[i + 1]), XSD.gYear))
        yield t(ep, COKG.dateText, _lit(f"from {ep_start[i]}"))
        yield t(ep, COKG.locatedIn, srcs[i])

    for i in range(N_ROLES):
        ra = _iri(COKGID[f"role/{cid}/{i + 1}"])
        yield t(ra, RDF.type, _iri(COKG.RoleAssignment))
        yield t(ra, COKG.roleHolder, orgs[i % N_ORGS])
        yield t(ra, COKG.role, _iri(ROLES[i]))
        yield t(ra, COKG.inCase, case)
        yield t(ra, COKG.duringPhase, _iri(PHASES[i % 3][1]))
        yield t(ra, COKG.description, _lit(_sentence(rng, 7)))
        yield t(ra, COKG.locatedIn, srcs[i])

    # events: some before adoption (no phase, external change agent involved), most during phases
    for i in range(N_EVENTS):
        ev = _iri(COKGID[f"event/{cid}/{i + 1}"])
        year = start + rng.randrange(20)
        yield t(ev, RDF.type, _iri(COKG.Event))
        yield ev, label, _lit(f"Event {c}-{i + 1}"), g
        yield t(ev, COKG.description, _lit(_sentence(rng, 9)))
        yield t(ev, COKG.inCase, case)
        if year >= ep_start[0]:
            phase = PHASES[0 if year < ep_start[1] else 1 if year < ep_start[2] else 2][1]
            yield t(ev, COKG.duringPhase, _iri(phase))
        if i % 3 == 0:
            yield t(ev, COKG.date, _lit(f"{year}-{1 + i % 12:02d}", XSD.gYearMonth))
        else:
            yield t(ev, COKG.date, _lit(str(year), XSD.gYear))
        yield t(ev, COKG.dateText, _lit(f"in {year}"))
        yield t(ev, COKG.involves, orgs[3 if i % 4 == 0 else i % N_ORGS])
        yield t(ev, COKG.eventType, _iri(EVENT_TYPES[i % len(EVENT_TYPES)]))
        yield t(ev, COKG.locatedIn, srcs[i % N_SOURCES])

    # informants and interviews
    informants, interviews = [], []
    yield t(loc_code, RDF.type, _iri(COKG.LocationCode))
    yield t(loc_code, SKOS.notation, _lit(code))
    yield loc_code, label, _lit(f"Town {c}, Country {c % N_COUNTRIES}"), g
    yield t(loc_code, COKG.codeForCase, case)
    for i in range(1, shape.informants + 1):
        icode = f"{code}-{i:02d}" if c <= 17576 else f"{code}-{c % 100:02d}"
        inf = _iri(COKGID[f"informant/{cid}-{i:02d}"])
        itv = _iri(COKGID[f"interview/{cid}-{i:02d}"])
        informants.append(inf)
        interviews.append(itv)
        yield t(inf, RDF.type, _iri(COKG.Informant))
        yield t(inf, COKG.informantCode, _lit(icode))
        yield t(inf, COKG.locationCode, loc_code)
        yield t(inf, COKG.informantOf, case)
        yield t(itv, RDF.type, _iri(COKG.Interview))
        yield t(itv, COKG.interviewee, inf)
        yield t(itv, COKG.inCase, case)

    # findings coded to the study frame plus one other scheme
    findings = []
    for i in range(1, shape.findings + 1):
        f = _iri(COKGID[f"finding/{cid}/f{i}"])
        findings.append(f)
        yield t(f, RDF.type, _iri(COKG.CrossCaseFinding if i % 4 else COKG.NarrativeFinding))
        yield t(f, COKG.statement, _lit(_sentence(rng, 10)))
        yield t(f, COKG.aboutCase, case)
        yield t(f, COKG.inPhase, _iri(PHASES[i % 3][1]))
        yield t(f, COKG.codedTo, _iri(FRAME[FRAME_ELEMENTS[rng.randrange(5)]]))
        other = rng.randrange(3)
        if other == 0:
            yield t(f, COKG.codedTo, _iri(CFIR22[rng.choice(CFIR22_CODES)]))
        elif other == 1:
            yield t(f, COKG.codedTo, _iri(GDOI[rng.choice(GDOI_CODES)]))
        else:
            yield t(f, COKG.codedTo, _iri(LOZEAU[rng.choice(LOZEAU_SCENARIOS)]))
        if i % 10 == 0:  # not drawn: the random stream stays as it was
            yield t(f, COKG.codedTo, _iri(OUTCOME_CODES[(c + i // 10) % len(OUTCOME_CODES)]))
        yield t(f, COKG.stance, _iri(rng.choice(STANCES)))
        yield t(f, COKG.position, _int(1 + i % 5, XSD.positiveInteger))
        yield t(f, COKG.locatedIn, srcs[i % N_SOURCES])

    # quotations supporting findings (the last few findings stay without evidence)
    for i in range(1, shape.quotes + 1):
        q = _iri(COKGID[f"quotation/{cid}/Q{i}"])
        k = rng.randrange(shape.informants)
        yield t(q, RDF.type, _iri(COKG.Quotation))
        yield t(q, COKG.text, _lit(_sentence(rng, 14)))
        yield t(q, COKG.quotedInformant, informants[k])
        yield t(q, COKG.fromInterview, interviews[k])
        yield t(q, COKG.aboutCase, case)
        yield t(q, COKG.locatedIn, srcs[i % N_SOURCES])
        yield t(q, COKG.quotationId, _lit(f"Q{i}"))
        yield t(q, COKG.inPhase, _iri(PHASES[i % 3][1]))
        yield t(q, COKG.supports, findings[(i * 7) % (shape.findings - 5)])


def _ratings(
    rng: random.Random, c: int, shape: Profile, rated: str, raters: list[str]
) -> Iterator[Quad]:
    """The case's outcome on implementation and its construct ratings, in the case's graph.
    "all": every construct in each phase; "few": five constructs (the signal ones first), each
    in one phase. Case c % 10 == 0 has a second rater on its first signal rating."""
    cid = f"synthetic-{c:05d}"
    g = _iri(graph_iri(f"synthetic-case-{c}"))
    case = _iri(COKGID[f"case/{cid}"])

    def t(s: str, p: object, o: str) -> Quad:
        return s, _iri(p), o, g

    level, level_iri = rng.choice(OUTCOME_LEVELS)
    outcome = _iri(COKGID[f"outcome/{cid}/implementation"])
    yield t(outcome, RDF.type, _iri(COKG.CaseOutcome))
    yield t(outcome, COKG.outcomeOfCase, case)
    yield t(outcome, COKG.outcomeAspect, _iri(CFIROUT.implementation))
    yield t(outcome, COKG.outcomeLevel, _iri(level_iri))
    yield t(outcome, COKG.rater, raters[0])
    yield t(outcome, DCTERMS.created, _lit("2021-06-01", XSD.date))

    if rated == "all":
        plan = [(k, phase) for k in CFIR22_CONSTRUCTS for phase in PHASES]
    else:
        others = [k for k in CFIR22_CONSTRUCTS if k not in SIGNAL_CONSTRUCTS]
        chosen = SIGNAL_CONSTRUCTS + rng.sample(others, 5 - len(SIGNAL_CONSTRUCTS))
        plan = [(k, rng.choice(PHASES)) for k in chosen]
    first_signal = True
    for k, (phase_name, phase) in plan:
        signal = k in SIGNAL_CONSTRUCTS
        extra = signal and first_signal and c % 10 == 0
        first_signal = first_signal and not signal
        for r, rater in enumerate(raters[: 2 if extra else 1], 1):
            if signal:
                value, notation = RATING_VALUES[rng.choice(SIGNAL_VALUES[level])]
            else:
                value, notation = rng.choices(RATING_VALUES, RATING_WEIGHTS)[0]
            rating = _iri(COKGID[f"rating/{cid}/{k}-{phase_name}-{r}"])
            yield t(rating, RDF.type, _iri(COKG.ConstructRating))
            yield t(rating, COKG.ratedCase, case)
            yield t(rating, COKG.ratedConstruct, _iri(CFIR22[k]))
            yield t(rating, COKG.ratedPhase, _iri(phase))
            yield t(rating, COKG.ratingValue, _iri(value))
            yield t(rating, COKG.rater, rater)
            yield t(rating, DCTERMS.created, _lit("2021-05-01", XSD.date))
            yield t(rating, COKG.rationale, _lit(f"Rated {k} {notation} in {phase_name}."))
            # findings of the rating's phase (finding i is in phase PHASES[i % 3], see _case)
            same_phase = [i for i in range(1, shape.findings + 1) if PHASES[i % 3][1] == phase]
            for i in rng.sample(same_phase, rng.randint(1, 3)):
                yield t(rating, COKG.justifiedBy, _iri(COKGID[f"finding/{cid}/f{i}"]))


def write(
    out: Path,
    *,
    cases: int,
    seed: int = 42,
    fmt: str = "nt",
    profile: str = "founding",
    ratings: str | None = None,
) -> int:
    """Write the synthetic data to `out` (N-Triples or N-Quads); return the number of lines.
    `ratings` (one of RATING_SETS) overrides the profile's."""
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for s, p, o, g in iter_quads(cases, seed, profile, ratings):
            if fmt == "nq" and g is not None:
                fh.write(f"{s} {p} {o} {g} .\n")
            else:
                fh.write(f"{s} {p} {o} .\n")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="founding",
                        help="how densely each case is coded")  # fmt: skip
    parser.add_argument("--ratings", choices=RATING_SETS, default=None,
                        help="rated constructs per case (default: the profile's)")  # fmt: skip
    parser.add_argument("--format", choices=["nt", "nq"], default=None,
                        help="default: from the --out suffix (.nq -> nq), else nt")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("bench/out/synthetic.nt"))
    args = parser.parse_args(argv)
    fmt = args.format or ("nq" if args.out.suffix == ".nq" else "nt")
    n = write(args.out, cases=args.cases, seed=args.seed, fmt=fmt, profile=args.profile,
              ratings=args.ratings)  # fmt: skip
    print(f"wrote {n} statements for {args.cases} cases to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
