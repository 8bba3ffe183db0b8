"""Words for what the domain answers in codes and values: refusals, trace lines, findings,
flags and the schema's verdicts, in the reader's language (web/words.py).

The domain never writes a sentence (lifecycle/errors.py). Each reason, trace rule, kind
and finding is a key of the catalogues (`reason.<code>` and `field.<code>`, `trace.<rule>`,
`kind.<kind>`, `finding.<reason>`, `obligation.<kind>`); here the values it carries are
written out for the reader: for the contract's English exactly as `grants apply` always
wrote them (`1500000.00`, ISO dates, codes), for people at the desk as they read them
(150.00万元, 2025年7月1日, 已认定, 核定总投资).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from policies.catalogue import Catalogue
from policies.money import yuan
from projections import obligations as obligation_words
from web import words
from web.words import Reader, label, template

#: Every reason a refusal may carry (lifecycle, calculator, register): a key of the
#: catalogues as `reason.<code>` (the message) and `field.<code>` (what the field says).
REASONS = (
    "not_certified", "award_stopped", "step_not_allowed", "before_last_event", "after_today",
    "year_not_ended", "tranche_not_planned", "tranche_already_paid", "before_tranche_year",
    "earlier_tranche_unpaid", "evaluation_required", "tranche_not_paid", "already_evaluated",
    "not_one_of", "not_positive", "more_than_clawback_due", "empty", "credit_code_length",
    "credit_code_characters", "credit_code_check", "enterprise_registered",
    "enterprise_not_registered", "application_exists", "application_not_found",
    "not_in_catalogue", "before_registration", "nothing_remains", "above_maximum",
    "tranches_do_not_add_up", "tranche_not_positive", "years_not_consecutive",
    "tranche_before_approval_year", "single_payment_not_in_approval_year", "too_many_years",
    "entity_years_exceeded", "annual_cap_exceeded", "not_in_force", "size_not_supported",
    "dishonesty_record", "awards_per_enterprise", "below_threshold", "basis_required",
    "project_has_district_award", "lost_every_race",
    # the text rule, amounts, the limits of inputs, accounts, keys and the daily run
    "not_text",
    "character_not_allowed",
    "nothing_visible",
    "too_long",
    "id_characters",
    "id_start",
    "amount_type",
    "amount_form",
    "amount_places",
    "amount_negative",
    "amount_too_large",
    "too_deep",
    "line_too_long",
    "number_too_long",
    "not_a_number",
    "not_unicode",
    "not_a_whole_number",
    "username_malformed",
    "username_too_long",
    "password_too_short",
    "not_a_password_hash",
    "not_a_token_hash",
    "user_exists",
    "user_not_found",
    "user_disabled",
    "user_active",
    "role_unchanged",
    "no_token",
    "request_answered",
    "daily_run_done",
    "daily_run_claimed",
    "daily_run_not_held",
    "daily_run_not_claimed",
)
#: Every trace rule and its variants (`trace.<key>`); `rule.<rule>` names the rule.
TRACE = (
    "in_force", "size", "dishonesty", "threshold", "rate", "requested", "requested.no_rate",
    "ladder", "ladder.nothing", "cap.item", "cap.project", "cap.enterprise_total",
    "cap.enterprise_year", "cap.enterprise_year.span", "max", "refused",
)
RULES = ("in_force", "size", "dishonesty", "threshold", "rate", "requested", "ladder",
         "cap.item", "cap.project", "cap.enterprise_total", "cap.enterprise_year", "max",
         "refused")
#: Reasons only findings have (`finding.<reason>`); the others are the refusals' words.
FINDING_REASONS = (
    "hash_mismatch", "undecodable", "shifted_up", "shifted_down", "moved", "swapped",
    "versions_missing", "links_forward", "first_missing", "unlinked", "before_predecessor",
    "cannot_decode", "cannot_recheck", "cannot_apply", "no_submission", "not_certified",
    "enterprise_not_registered", "unknown_catalogue", "not_in_catalogue", "above_maximum",
    "no_tranche", "booked_without_approval", "booking_differs", "never_booked",
    "amount_differs", "evaluation_required", "award_stopped", "dated_after_recording",
)
SUBJECTS = ("approval", "disburse", "evaluate", "chain_broken")

# -- the names of codes ---------------------------------------------------------------

_catalogues: list[Catalogue] = []


def use_catalogue(catalogue: Catalogue) -> None:
    """Name items, ladders and rungs from `catalogue` too (the services' own rule sets)."""
    if catalogue not in _catalogues:
        _catalogues.insert(0, catalogue)


def _known_catalogues() -> list[Catalogue]:
    if not _catalogues:
        from policies import catalogue as catalogue_module

        _catalogues.append(catalogue_module.load())
    return _catalogues


def item_title(key: str, who: Reader) -> str:
    """An item's title in the reader's language (its key when no catalogue has it)."""
    for catalogue in _known_catalogues():
        for policy in catalogue.policies.values():
            for article in policy.articles.values():
                for it in article.items:
                    if it.key == key:
                        return it.title_zh if who.zh else it.title_en
    return key


def _ladder_title(key: str, who: Reader) -> str:
    for catalogue in _known_catalogues():
        ladder = catalogue.ladders.get(key)
        if ladder is not None:
            return ladder.title_zh if who.zh else ladder.title_en
    return key


def _rung_title(key: str, who: Reader) -> str:
    for catalogue in _known_catalogues():
        for ladder in catalogue.ladders.values():
            for rung in ladder.rungs:
                if rung.key == key:
                    return rung.title_zh if who.zh else rung.title_en
    return key


CITE = re.compile(r"^(\d{3}) art\. (\d+)$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The values that are amounts of money, whether Decimal or as JSON writes them.
MONEY = frozenset({"amount", "max_amount", "total", "remaining", "tranche", "due", "cap",
                   "used", "rung_cap", "lower_paid", "figure", "paid", "approved_amount",
                   "value", "at_least", "asked", "max"})


SECTION = re.compile(r"^(\d{3}) (paragraphs?) ([\d-]+)$|^(\d{3}) (header)$")


def cite_words(cite: str | None, who: Reader | None = None) -> str:
    """A citation ("003 art. 4", "004 paragraph 6") as the reader writes it ("003 第4条",
    "004 第6段")."""
    who = who or words.reader()
    if not cite or who.plain:
        return cite or ""
    found = CITE.match(cite)
    if found is not None:
        return words.text("cite.article", who.lang, seed=found[1], article=found[2])
    found = SECTION.match(cite)
    if found is not None and found[1]:
        return words.text("cite.paragraph", who.lang, seed=found[1], paragraph=found[3])
    if found is not None:
        return words.text("cite.header", who.lang, seed=found[4])
    return cite


def ladder_title(key: str, who: Reader | None = None) -> str:
    """A ladder of recognitions by its title in the reader's language."""
    return _ladder_title(key, who or words.reader())


def rung_title(key: str, who: Reader | None = None) -> str:
    """A rung of a ladder by its title in the reader's language."""
    return _rung_title(key, who or words.reader())


#: Values that are codes, and the prefix of the catalogue keys that name them.
_CODE_PREFIX = {"status": "status", "size": "size", "sizes": "size", "basis": "basis",
                "of": "basis", "missing": "basis", "rule": "rule", "result": "result",
                "step": "step", "event": "event", "link": "link", "kind": "kindname",
                "role": "role"}


def _code(name: str, value: str, who: Reader) -> str:
    if name == "item":
        return item_title(value, who)
    if name == "ladder":
        return _ladder_title(value, who)
    if name == "rung":
        return _rung_title(value, who)
    if name == "cite":
        return cite_words(value, who)
    if name == "allowed":
        for prefix in ("size", "result", "role"):
            found = label(prefix, value, who.lang)
            if found != value:
                return found
        return value
    prefix = _CODE_PREFIX.get(name)
    return label(prefix, value, who.lang) if prefix else value


def _plain_word(value) -> str:
    """A value as the contract's English has always written it."""
    if isinstance(value, Decimal):
        return yuan(value) if value == value.quantize(Decimal("0.01")) else f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict) and {"year", "amount"} <= set(value):  # a tranche
        return f"{value['year']}: {_plain_word(value['amount'])}"
    if isinstance(value, list | tuple):
        return ", ".join(_plain_word(v) for v in value) or "none"
    if value is None:
        return "…"
    return str(value)


def _word(name: str, value, who: Reader) -> str:
    """A value for the reader: amounts, dates, lists and codes in their words."""
    if who.plain:
        return _plain_word(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return words.percent(value, who) if name == "rate" else words.money(value, who, exact=True)
    if isinstance(value, date):
        return words.day(value, who)
    if isinstance(value, dict) and {"year", "amount"} <= set(value):  # a tranche
        return words.text("words.tranche", who.lang, year=value["year"],
                          amount=_word("amount", value["amount"], who))
    if isinstance(value, list | tuple):
        return words.listing([_word(name, v, who) for v in value], who)
    if value is None:
        return words.text("words.unknown", who.lang)
    if isinstance(value, str):
        if name in MONEY and words.is_amount(value):  # an amount as JSON carries it
            return words.money(Decimal(value), who, exact=True)
        if ISO_DATE.match(value):
            return words.day(value, who)
        return _code(name, value, who)
    return str(value)


def fill(key_or_words: str, values: dict, who: Reader | None = None) -> str:
    """The words of a catalogue key (or words with placeholders), its values written out."""
    who = who or words.reader()
    found = template(key_or_words, who.lang)
    written = {k: _word(k, v, who) for k, v in values.items()}
    return found.format_map(_Keep(written))


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _extra(values: dict, who: Reader) -> dict:
    """Values derived for the words: what a threshold is on, a ratio as a percentage."""
    out = dict(values)
    if "basis" in values and "of" in values:
        if who.plain:
            out["what"] = (f"{values['basis']}/{values['of']}" if values["of"]
                           else values["basis"])
        elif values["of"]:
            out["what"] = words.text("threshold.share", who.lang,
                                     basis=label("basis", values["basis"], who.lang),
                                     of=label("basis", values["of"], who.lang))
            for name in ("value", "at_least"):
                if values.get(name) is not None and words.is_amount(str(values[name])):
                    out[name] = words.percent(values[name], who)
        else:
            out["what"] = label("basis", values["basis"], who.lang)
    return out


def refusal_message(reason: str, values: dict, who: Reader | None = None, *,
                    field: str | None = None) -> str:
    """The message of a refusal (the contract's `message`); `{field}` in it names the
    field concerned."""
    who = who or words.reader()
    key = f"reason.{reason}"
    if template(key, who.lang) == key:
        return reason
    if field is not None:
        values = {"field": field, **values}
    return fill(key, _extra(values, who), who)


def field_message(reason: str, values: dict, who: Reader | None = None) -> str:
    """What a refusal says beside its field (a value of the contract's `fields`)."""
    who = who or words.reader()
    key = f"field.{reason}"
    if template(key, who.lang) == key:
        return reason
    return fill(key, _extra(values, who), who)


def rule_name(rule: str, who: Reader | None = None) -> str:
    """The short name of a trace rule (cap.project: 单个项目上限)."""
    return label("rule", rule, (who or words.reader()).lang)


def trace_text(line: dict, who: Reader | None = None) -> str:
    """The words of one trace line (as the quote's JSON carries it: amounts as strings)."""
    who = who or words.reader()
    if "text" in line and "rule" not in line:  # a line stored before trace lines were codes
        return line["text"]
    rule, values = line["rule"], dict(line.get("values") or {})
    values["amount"] = line.get("amount")
    values["policy"] = values.get("policy", line.get("policy"))
    key = rule
    if rule == "requested" and values.get("no_rate"):
        key = "requested.no_rate"
    elif rule == "ladder" and values.get("nothing"):
        key = "ladder.nothing"
    elif rule == "cap.enterprise_year" and values.get("first_year") is not None:
        key = "cap.enterprise_year.span"
    elif rule == "rate":
        values["percent"] = f"{(Decimal(values['rate']) * 100).normalize():f}"
    elif rule == "refused":
        return refusal_message(values.get("reason", ""), values, who)
    if template(f"trace.{key}", who.lang) == f"trace.{key}":
        return rule
    return fill(f"trace.{key}", _extra(values, who), who)


# -- the audit's findings -------------------------------------------------------------


def kind_name(kind: str, who: Reader | None = None) -> str:
    """The short name of a kind of finding."""
    return label("kindname", kind, (who or words.reader()).lang)


def kind_meaning(kind: str, who: Reader | None = None) -> str:
    """What a kind of finding means (the report's legend)."""
    return label("kind", kind, (who or words.reader()).lang)


def finding_message(finding: dict, who: Reader | None = None) -> str:
    """The words of one finding (as `Finding.to_dict()` gives it)."""
    who = who or words.reader()
    kind, reason = finding["kind"], finding["reason"]
    values = {**finding.get("detail", {}), "application_id": finding.get("application_id"),
              "enterprise_id": finding.get("enterprise_id"),
              "notification_id": finding.get("notification_id"), "at": finding.get("at")}
    refusal = values.pop("refusal", None)
    if reason in FINDING_REASONS:
        said = fill(f"finding.{reason}", values, who)
    elif refusal is not None:  # the calculator's refusal, re-checked
        said = words.text("finding.refused", who.lang,
                          words=refusal_message(reason, refusal, who))
    else:
        said = refusal_message(reason, values, who)
    if kind == "chain_broken":
        subject = "chain_broken"
    elif kind in ("not_replayable", "dated_after_recording") or reason in (
            "no_submission", "booked_without_approval", "booking_differs"):
        return said
    else:
        subject = values.get("step") or "approval"
        if subject not in SUBJECTS:
            subject = "approval"
        if kind in ("tranche_not_planned", "paid_after_failure", "evaluation_missing"):
            subject = "disburse"
    return template("finding.join", who.lang).format(
        subject=fill(f"finding.subject.{subject}", values, who), words=said)


def with_words(report: dict, who: Reader | None = None) -> dict:
    """An audit report's JSON with each finding's `message`."""
    for f in report["findings"]:
        f["message"] = finding_message(f, who)
    return report


# -- the scheduler's flags ------------------------------------------------------------


def flag_message(flag: dict, who: Reader | None = None) -> str:
    """The words of a flag (a live obligation with its `values`, or a recorded flag whose
    English message is read back into values); the contract's English is the message the
    scheduler recorded."""
    who = who or words.reader()
    message = flag.get("message") or ""
    if who.plain:
        return message
    values = flag.get("values") or obligation_words.values_of(flag["kind"], message)
    if values is None:
        return label("flag", flag["kind"], who.lang)
    where = fill("obligation.where", values, who)
    return fill(f"obligation.{flag['kind']}", {**values, "where": where}, who)


# -- the schema's verdicts ------------------------------------------------------------

#: marshmallow's own messages (and the amount field's), by the catalogue key that names
#: them: their English words are the catalogue's `en`, so a message read back to its key
#: and values can be said in any language.
SCHEMA = ("required", "null", "validator_failed", "type", "invalid_input", "list", "string",
          "integer", "date", "mapping", "unknown", "one_of", "length_between", "length_min",
          "length_max", "length_equal", "range", "range_min", "range_max", "money_string",
          "money_places", "money_float", "money_not_amount", "money_negative",
          "money_too_large")


def _pattern(english: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", english)
    out = []
    for i, part in enumerate(parts):
        out.append(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)")
    return re.compile("^" + "".join(out) + "$", re.S)


_SCHEMA_PATTERNS: list[tuple[str, re.Pattern]] | None = None


def _schema_patterns() -> list[tuple[str, re.Pattern]]:
    global _SCHEMA_PATTERNS
    if _SCHEMA_PATTERNS is None:
        _SCHEMA_PATTERNS = [(key, _pattern(template(f"schema.{key}", "en"))) for key in SCHEMA]
    return _SCHEMA_PATTERNS


def schema_key(english: str) -> tuple[str, dict] | None:
    """A schema message read back to (its catalogue key, its values), or None."""
    for key, pattern in _schema_patterns():
        found = pattern.match(english.strip())
        if found:
            return key, found.groupdict()
    return None


def schema_message(english: str, who: Reader | None = None) -> str:
    """One schema message (marshmallow's English, or several joined by "; ") for the
    reader; the English itself when it is not one the catalogues know."""
    who = who or words.reader()
    if who.plain and who.lang == "en":
        return english
    parts = []
    for part in english.split("; "):
        found = schema_key(part)
        if found is None:
            parts.append(part)
            continue
        key, values = found
        if key in ("one_of",):
            choices = values["choices"].split(", ")
            values["choices"] = words.listing([_code("allowed", c, who) for c in choices], who)
        parts.append(words.text(f"schema.{key}", who.lang, **values))
    return ("；" if who.zh else "; ").join(parts)


def input_message(fields: dict[str, str], who: Reader | None = None) -> str:
    """The message of input no schema could read: every field with why."""
    who = who or words.reader()
    what = ("；" if who.zh else "; ").join(
        words.text("input.field", who.lang, field=name, why=schema_message(why, who))
        for name, why in fields.items())
    return words.text("input.invalid_command", who.lang, what=what)


# -- the import's template errors -----------------------------------------------------


def template_fields(error, who: Reader | None = None) -> dict[str, str]:
    """What an import's TemplateError (web/importer.py) says of each header column, or
    of the file (`_file`), in the reader's words."""
    who = who or words.reader()
    return {name: words.text(f"import.problem.{problem}", who.lang)
            for name, problem in error.fields.items()}


def template_message(error, who: Reader | None = None) -> str:
    """Why a file is not the import's template, in the reader's words: the English is
    the sentence the import has always said."""
    who = who or words.reader()
    values = dict(error.values)
    if error.code == "header":
        values["problems"] = _columns(template_fields(error, who), who)
    if error.code == "not_csv" and who.zh:  # the csv module's reason is English
        values["why"] = words.text("import.cause.csv", who.lang)
    return words.text(f"import.template.{error.code}", who.lang, **values)


# -- the import's cells ---------------------------------------------------------------


def cell_problem(problem, who: Reader | None = None) -> str:
    """What a row's cell problem (web/importer.py CellProblem) says, in the reader's
    words: the English is what the import has always said. The cell's text is quoted as
    Python writes it (every character visible), in every language."""
    who = who or words.reader()
    values = dict(problem.values)
    if values.get("cell") is not None:
        values["cell"] = repr(values["cell"])
    if problem.code == "amount":  # the amount's own refusal, as the contract words it
        values["why"] = field_message(values.pop("reason"), values, who)
    return words.text(f"import.cell.{problem.code}", who.lang, **values)


def cell_fields(problems: dict, who: Reader | None = None) -> dict[str, str]:
    """Each column of a refused row's cells with what is wrong with it (`fields`)."""
    who = who or words.reader()
    return {column: cell_problem(p, who) for column, p in problems.items()}


def cell_message(problems: dict, who: Reader | None = None) -> str:
    """The message of a row refused for its cells: every column with what is wrong."""
    who = who or words.reader()
    return _columns(cell_fields(problems, who), who)


def _columns(fields: dict[str, str], who: Reader) -> str:
    """Each column with what is wrong with it, in one line of the reader's words."""
    return ("；" if who.zh else "; ").join(
        words.text("import.column", who.lang, column=column, problem=problem)
        for column, problem in fields.items())


def note_message(code: str, who: Reader | None = None) -> str:
    """A note of an import row (web/importer.py NOTE_CODES) in the reader's words."""
    return words.text(f"import.note.{code}", (who or words.reader()).lang)
