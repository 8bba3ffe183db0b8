"""Words for what the domain answers in codes and values: refusals and trace lines.

The domain never writes a sentence (lifecycle/errors.py); here each reason and each
trace rule has its words, made from the values it carries. English is the
contract's language for `message` on the command line; the desk's catalogues add
Chinese on these same keys.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from policies.money import yuan

#: The words of each refusal reason: (the message, what the field line says).
REASONS: dict[str, tuple[str, str]] = {
    # the lifecycle
    "not_certified": ("application {application_id} must be certified before it is approved",
                      "certify first"),
    "award_stopped": ("a failed evaluation stopped the later tranches of {application_id}",
                      "the award is stopped"),
    "step_not_allowed": ("cannot {step} application {application_id}: it is {status}",
                         "not allowed while {status}"),
    "before_last_event": ("at: before the application's last event ({last})",
                          "before the application's last event ({last})"),
    "after_today": ("at: later than today ({today}): what has not happened yet is not a fact",
                    "later than today ({today})"),
    "year_not_ended": ("at: the performance of {year} is evaluated once {year} has ended",
                       "{year} has not ended"),
    "tranche_not_planned": ("year: no tranche is planned for {year} (planned: {planned})",
                            "no tranche is planned for {year} (planned: {planned})"),
    "tranche_already_paid": ("the {year} tranche of {application_id} is already paid",
                             "already paid"),
    "before_tranche_year": ("at: the {year} tranche cannot be paid before {year}",
                            "the {year} tranche cannot be paid before {year}"),
    "earlier_tranche_unpaid": ("earlier tranches must be paid first", "pay earlier tranches"),
    "evaluation_required": ("the {year} tranche needs a passed evaluation for {evaluate}",
                            "evaluate {evaluate} first"),
    "tranche_not_paid": ("year: no tranche of {application_id} was paid for {year}",
                         "no tranche was paid for {year}"),
    "already_evaluated": ("{year} was already evaluated ({result})", "already evaluated"),
    "not_one_of": ("must be one of {allowed}", "must be one of {allowed}"),
    "not_positive": ("must be more than zero", "must be more than zero"),
    "more_than_clawback_due": ("amount: more than the clawback still due ({due})",
                               "more than the clawback still due ({due})"),
    "empty": ("{field}: must not be empty", "must not be empty"),
    # the text rule (lifecycle/text.py) and the id rule
    "not_text": ("{field}: must be text", "must be text"),
    "character_not_allowed": ("{field}: holds {character}, a control, direction or invisible "
                              "formatting character", "character {character} is not allowed"),
    "nothing_visible": ("{field}: holds no visible character", "no visible character"),
    "too_long": ("{field}: {length} characters, more than {max_length}",
                 "at most {max_length} characters"),
    "id_characters": ("{field}: an id holds only ASCII letters, digits, '-', '_' and '.', "
                      "not {characters}", "characters not allowed: {characters}"),
    "id_start": ("{field}: an id begins with a letter or a digit",
                 "must begin with a letter or a digit"),
    # the reading of amounts (policies/money.py)
    "amount_type": ("{field}: write an amount as a decimal string, e.g. \"1500000.00\"",
                    "write an amount as a decimal string, e.g. \"1500000.00\""),
    "amount_form": ("{field}: write an amount as ASCII digits with at most two decimals, "
                    "e.g. \"1500000.00\"", "write an amount as ASCII digits with at most two "
                    "decimals, e.g. \"1500000.00\""),
    "amount_places": ("{field}: an amount has at most two decimal places (fen)",
                      "an amount has at most two decimal places (fen)"),
    "amount_negative": ("{field}: an amount cannot be negative", "an amount cannot be negative"),
    "amount_too_large": ("{field}: an amount must be less than {max} yuan",
                         "an amount must be less than {max} yuan"),
    # the reading of JSON (web/inputs.py)
    "too_deep": ("{field}: nested more than {max_depth} levels deep",
                 "nested more than {max_depth} levels deep"),
    "line_too_long": ("{field}: {length} characters, more than {max_length}",
                      "more than {max_length} characters"),
    "number_too_long": ("{field}: a number of more than {max_digits} characters, or beyond "
                        "what a float holds", "a number of more than {max_digits} characters"),
    "not_a_number": ("{field}: NaN and Infinity are not JSON", "NaN and Infinity are not JSON"),
    "not_unicode": ("{field}: holds {character}, half of a UTF-16 pair",
                    "character {character} is not allowed"),
    "not_a_whole_number": ("{field}: write a whole number in ASCII digits (at most "
                           "{max_digits})", "a whole number in ASCII digits"),
    # the register
    "credit_code_length": ("enterprise_id: must be {length} characters",
                           "must be {length} characters"),
    "credit_code_characters": ("enterprise_id: characters not allowed in a credit code: "
                               "{characters}", "characters not allowed: {characters}"),
    "credit_code_check": ("enterprise_id: check character is {found}, expected {expected}",
                          "check character is {found}, expected {expected}"),
    "enterprise_registered": ("enterprise {enterprise_id} is already registered",
                              "already registered"),
    "enterprise_not_registered": ("no enterprise {enterprise_id}", "not registered"),
    "application_exists": ("application {application_id} already exists", "already exists"),
    "application_not_found": ("no application {application_id}", "not found"),
    "not_in_catalogue": ("{policy} article {article} item {item} is not in the catalogue",
                         "not in the catalogue"),
    "before_registration": ("at: before the enterprise was registered ({registered_on})",
                            "before the enterprise was registered ({registered_on})"),
    # amounts and plans
    "nothing_remains": ("nothing may be approved: {rule} of {policy} article {article} "
                        "leaves nothing", "nothing remains"),
    "above_maximum": ("{amount} exceeds the maximum {max_amount} that may be approved",
                      "at most {max_amount}"),
    "tranches_do_not_add_up": ("tranches: tranches add up to {total}, not the amount {amount}",
                               "add up to {total}, not {amount}"),
    "tranche_not_positive": ("tranches: every tranche must be more than zero",
                             "every tranche must be more than zero"),
    "years_not_consecutive": ("tranches: tranche years must be consecutive and ascending",
                              "years must be consecutive and ascending"),
    "tranche_before_approval_year": ("tranches: the first tranche cannot precede the approval "
                                     "year {approval_year}", "before the approval year"),
    "single_payment_not_in_approval_year": (
        "tranches: {policy} article {article} pays once, in the approval year "
        "{approval_year}; the plan has {years}", "one tranche, in {approval_year}"),
    "too_many_years": ("{policy} article {article} allows at most {max_years} consecutive "
                       "year(s) of support, the plan has {years}", "at most {max_years} years"),
    "entity_years_exceeded": (
        "{policy} article {article} supports a single entity for at most {max_years} "
        "consecutive years, over all its awards: it was supported in {earlier}, the plan adds "
        "{years}", "at most {max_years} consecutive years for the entity"),
    "annual_cap_exceeded": ("tranche {year} of {tranche} exceeds what remains in {year} under "
                            "{policy} article {article}'s annual cap: {remaining}",
                            "at most {remaining} in {year}"),
    # the rules of the calculator
    "not_in_force": ("{policy} is not in force on {on}: in force {from} to {until} (exclusive)",
                     "submission date outside the policy's validity"),
    "size_not_supported": ("{policy} article {article} supports {sizes} enterprises, not {size}",
                           "{size}"),
    "dishonesty_record": ("serious dishonesty record dated {dated} within {years} years before "
                          "{submitted_on} ({policy} {cite})", "dishonesty record"),
    "awards_per_enterprise": ("the enterprise already holds {held} award(s) under {policy}: at "
                              "most {at_most} ({cite})", "at most {at_most}"),
    "below_threshold": ("{what} is {value}, below the threshold {at_least} ({cite})",
                        "below threshold"),
    "basis_required": ("{policy} article {article} needs {missing} in the basis",
                       "required by the article"),
    "project_has_district_award": (
        "project {project_id} already has a district award ({prior}, {prior_policy} article "
        "{prior_article}): most favourable, never duplicated ({policy} {cite})", "{project_id}"),
    "lost_every_race": ("other writers changed the same records {attempts} times in a row; "
                        "nothing was written", "changed by another writer"),
    # user accounts (lifecycle/accounts.py; the field line is what a form shows beside it)
    "username_malformed": ("username: letters, digits, - and _ only",
                           "letters, digits, - and _ only"),
    "username_too_long": ("username: at most {most} characters", "at most {most} characters"),
    "password_too_short": ("password: at least {least} characters",
                           "at least {least} characters"),
    "not_a_password_hash": ("password: only a password's hash is recorded, never the password",
                            "not a password hash"),
    "not_a_token_hash": ("token: only a token's SHA-256 is recorded", "not a token hash"),
    "user_exists": ("user {username} already exists", "{username} already exists"),
    "user_not_found": ("no user {username}", "no user {username}"),
    "user_disabled": ("{username} is disabled", "no active user {username}"),
    "user_active": ("{username} is active already", "{username} is active already"),
    "role_unchanged": ("{username} is {role} already", "{username} is {role} already"),
    # the service's own records
    "request_answered": ("the request under Idempotency-Key {key} was answered already",
                         "answered already"),
    "daily_run_done": ("the daily job of {on} ran already, on {node}", "ran already"),
    "daily_run_claimed": ("the daily job of {on} is running on {node}", "running on {node}"),
    "daily_run_not_held": ("the daily job of {on} is {node}'s to finish", "not this node's"),
    "daily_run_not_claimed": ("the daily job of {on} was never claimed", "never claimed"),
}

#: The words of each trace rule.
TRACE: dict[str, str] = {
    "in_force": "{policy} in force on {on}",
    "size": "enterprise size {size} is among {sizes}",
    "dishonesty": "no serious dishonesty record after {after}",
    "threshold": "{what} meets at least {at_least}",
    "rate": "{percent}% of {basis} {figure}",
    "requested": "never more than the amount requested",
    "requested.no_rate": "the article sets no rate: the amount requested",
    "ladder": "promotion on ladder {ladder}: rung cap {rung_cap} less {lower_paid} already "
              "awarded for lower rungs",
    "ladder.nothing": "rung {rung} of ladder {ladder} is at or below one already awarded "
                      "({awards}): nothing to pay",
    "cap.item": "cap {cap} per award, used {used}, remaining {amount}",
    "cap.project": "cap {cap} project {project_id}, used {used}, remaining {amount}",
    "cap.enterprise_total": "cap {cap} enterprise in total, used {used}, remaining {amount}",
    "cap.enterprise_year": "cap {cap} enterprise in {year}, used {used}, remaining {amount}",
    "cap.enterprise_year.span": "cap {cap} a year over {first_year}–{last_year}: {amount} "
                                "remaining in those years",
    "max": "maximum that may be approved",
    "refused": "{message}",
}


def _word(value) -> str:
    if isinstance(value, Decimal):
        return yuan(value) if value == value.quantize(Decimal("0.01")) else f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict) and {"year", "amount"} <= set(value):  # a tranche
        return f"{value['year']}: {_word(value['amount'])}"
    if isinstance(value, list | tuple):
        return ", ".join(_word(v) for v in value) or "none"
    if value is None:
        return "…"
    return str(value)


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: dict) -> str:
    return template.format_map(_Values({k: _word(v) for k, v in values.items()}))


def _extra(values: dict) -> dict:
    """Values derived for the words: what a threshold is on, a rate as a percentage."""
    out = dict(values)
    if "basis" in values and "of" in values:
        out["what"] = f"{values['basis']}/{values['of']}" if values["of"] else values["basis"]
    return out


def refusal_message(reason: str, values: dict, field: str | None = None) -> str:
    """The sentence of a refusal; `{field}` in it names the field concerned."""
    message, _ = REASONS.get(reason, (reason, reason))
    if field is not None:
        values = {"field": field, **values}
    return fill(message, _extra(values))


def field_message(reason: str, values: dict) -> str:
    _, why = REASONS.get(reason, (reason, reason))
    return fill(why, _extra(values))


def trace_text(line: dict) -> str:
    """The words of one trace line (as the quote's JSON carries it: amounts as strings)."""
    if "text" in line:  # a line stored before trace lines were codes and values
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
        values["message"] = refusal_message(values.get("reason", ""), values)
    return fill(TRACE.get(key, rule), _extra(values))


# -- the audit's findings -------------------------------------------------------------

#: What each kind of finding means (the report's legend).
KINDS: dict[str, str] = {
    "chain_broken": "a stored event was changed, removed, inserted or reordered",
    "above_entitlement": "approved more than the rules in force allowed",
    "duplicate_support": "a second district award for one project",
    "policy_not_in_force": "the policy was not in force on the submission date",
    "ineligible": "the enterprise or the figures did not qualify",
    "plan_breaks_rules": "the tranche plan breaks the article's years or annual caps",
    "not_certified": "approved without a certification before it",
    "not_booked": "an approval and the enterprise ledger's booking do not match",
    "evaluation_missing": "a tranche paid without a passed evaluation of an earlier year",
    "paid_after_failure": "a tranche paid after a failed evaluation stopped the award",
    "tranche_not_planned": "a payment the approved plan does not hold",
    "out_of_sequence": "a step taken in a state that does not allow it",
    "dated_after_recording": "an event dated later than the day it was recorded (rule 9)",
    "evaluation_not_allowed": "an evaluation of a year not paid, not yet ended, or twice",
    "unknown_catalogue": "an approval names a catalogue version the store does not hold",
    "not_replayable": "a stored event that cannot be decoded or applied",
}
#: Words of the reasons only findings have (the others are the refusals' words).
FINDING_REASONS: dict[str, str] = {
    "hash_mismatch": "the stored event does not match its hash",
    "undecodable": "the stored event cannot be decoded",
    "shifted_up": "an event was inserted before version {moved}, shifting it up",
    "shifted_down": "an event before version {moved} was removed, shifting it down",
    "moved": "the event recorded as version {moved} stands at version {version}",
    "swapped": "versions {first} and {second} were swapped",
    "versions_missing": "versions {first}–{last} are missing",
    "links_forward": "the event links to an event after it in the log",
    "first_missing": "the aggregate's first {count} event(s) are missing",
    "unlinked": "the event does not link to the one before it",
    "before_predecessor": "the event stands before its predecessor in the log",
    "cannot_decode": "notification {notification_id} ({topic}) cannot be decoded: {error}",
    "cannot_recheck": "notification {notification_id} ({event}) cannot be re-checked: {error}",
    "cannot_apply": "{event} of {aggregate_id} cannot be applied: {error}",
    "no_submission": "an event of an application with no submission in the log ({event})",
    "not_certified": "without a certification (认定) before it: approval needs certified "
                     "figures (DOMAIN.md lifecycle)",
    "enterprise_not_registered": "but enterprise {enterprise_id} was not registered",
    "unknown_catalogue": "with catalogue version {version}, which the store does not hold",
    "not_in_catalogue": "catalogue {version} has no such item",
    "above_maximum": "catalogue {version} allowed at most {max_amount} on {at}: {rule} of "
                     "{rule_policy} art. {rule_article} ({cite})",
    "no_tranche": "the approval has no tranche",
    "booked_without_approval": "the enterprise ledger books {amount} for {application_id} "
                               "({policy} art. {article}) with no approval of that application "
                               "before it in the log",
    "booking_differs": "the enterprise ledger of {booked_by} books {amount} in {booked}, but "
                       "{application_id} was approved {approved_amount} in {approved}",
    "never_booked": "the enterprise ledger of {enterprise_id} never booked it, so its caps "
                    "never counted it",
    "amount_differs": "the plan says otherwise (plan: {planned})",
    "evaluation_required": "with no passed performance evaluation (绩效评价) of {evaluate} "
                           "recorded before it: multi-year support under {policy} art. "
                           "{article} is paid year by year on a passed evaluation",
    "award_stopped": "after the failed performance evaluation (绩效评价) stopped the award's "
                     "later tranches",
    "dated_after_recording": "{event} dated {at} was recorded on {recorded_on} (Beijing): a "
                             "step that had not happened yet is not a fact (DOMAIN.md rule 9)",
}
_SUBJECTS = {
    "approval": "{application_id} was approved {amount} under {policy} art. {article} ({item})",
    "disburse": "{application_id} was paid {paid} for {year} under {policy} art. {article} "
                "({item})",
    "evaluate": "{application_id}'s performance evaluation (绩效评价) of {year}",
    "chain_broken": "hash chain broken ({link}) at version {version} of aggregate "
                    "{aggregate_id}, notification {notification_id}",
}


def finding_message(finding: dict) -> str:
    """The words of one finding (as `Finding.to_dict()` gives it)."""
    kind, reason = finding["kind"], finding["reason"]
    values = {**finding.get("detail", {}), "application_id": finding.get("application_id"),
              "enterprise_id": finding.get("enterprise_id"),
              "notification_id": finding.get("notification_id"), "at": finding.get("at")}
    refusal = values.pop("refusal", None)
    if reason in FINDING_REASONS:
        words = fill(FINDING_REASONS[reason], values)
    elif refusal is not None:  # the calculator's refusal, re-checked
        words = "nothing could be approved: " + refusal_message(reason, refusal)
    else:
        words = refusal_message(reason, values)
    if kind == "chain_broken":
        subject = _SUBJECTS["chain_broken"]
    elif kind in ("not_replayable", "dated_after_recording") or reason in (
            "no_submission", "booked_without_approval", "booking_differs"):
        return words
    else:
        subject = _SUBJECTS.get(values.get("step") or "approval", _SUBJECTS["approval"])
        if kind in ("tranche_not_planned", "paid_after_failure", "evaluation_missing"):
            subject = _SUBJECTS["disburse"]
    return f"{fill(subject, values)}: {words}"


def with_words(report: dict) -> dict:
    """An audit report's JSON with each finding's `message`."""
    for f in report["findings"]:
        f["message"] = finding_message(f)
    return report
