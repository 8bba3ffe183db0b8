"""The proof of the record at the edge: checkpoints, inclusion proofs and their check.

`grants checkpoint` signs a head over the whole log (lifecycle/log_tree.py) for the
bureau and its auditors to keep outside the store; `grants audit --checkpoint FILE`
proves the log still holds what a checkpoint committed to (lifecycle/log_audit.py);
`grants prove` hands out an inclusion proof of an application's events, which
`grants verify-proof` checks with the public keys alone, no store needed.
"""

from __future__ import annotations

import json
from pathlib import Path

from lifecycle import log_audit, signing
from lifecycle.grant import application_uuid
from lifecycle.log_tree import LogTreeError
from web.messages import fill
from web.words import listing, text

#: The kinds of finding of the log's proof; each is worded by `cli.proof.<kind>` of the
#: catalogues (web/locale), in the reader's language.
KINDS = (
    "checkpoint_bad_signature", "checkpoint_unknown_key", "checkpoint_malformed",
    "checkpoint_mismatch", "head_bad_signature", "head_unknown_key", "head_malformed",
    "head_mismatch", "leaves_mismatch", "records_lost", "record_changed", "record_removed",
    "record_inserted", "record_reordered", "record_renumbered", "not_replayable",
    "proof_invalid", "proof_malformed",
)


class ProofError(ValueError):
    """A checkpoint or proof file that cannot be read: `key` names why (`cli.proof_error.<key>`
    of the catalogues), `values` fill its words and `cause` is the error behind it, if
    any; its text is the contract's English."""

    def __init__(self, key: str, cause: Exception | None = None, **values):
        self.key, self.cause, self.values = key, cause, values
        super().__init__(text(f"cli.proof_error.{key}", "en", **values))


def words(finding: dict) -> str:
    """One finding of the log's proof in the reader's words, with where it is."""
    kind = finding["kind"]
    said = fill(f"cli.proof.{kind}", finding.get("detail") or {}) if kind in KINDS else kind
    where = []
    if finding.get("position") is not None:
        where.append(text("cli.proof.position", position=finding["position"]))
    if finding.get("aggregate_id"):
        where.append(text("cli.proof.aggregate", aggregate_id=finding["aggregate_id"]))
    return text("cli.proof.where", words=said, where=listing(where)) if where else said


def read_json(path: str | Path) -> dict:
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ProofError("not_json", e, path=str(path), why=str(e)) from None
    if not isinstance(value, dict):
        raise ProofError("not_object", path=str(path))
    return value


def log_check(ledger, key_file: Path, checkpoint_files: list[str]) -> log_audit.LogCheck:
    """The check of the log's proof: every stored head, and each checkpoint kept outside,
    to be fed the records by `grants audit`'s replay (`audit.audit(also=check.feed)`),
    then `check.finish()`.

    Never signs anything first (that would sign edited records)."""
    checkpoints = [read_json(f) for f in checkpoint_files]
    # The replay decodes every record already and names one it cannot (not_replayable):
    # the log's check need not decode them again.
    return log_audit.LogCheck(ledger, signing.known_public_keys(key_file), checkpoints,
                              decode=False)


def prove(services, application_id: str, checkpoint_file: str | None = None) -> dict:
    """An inclusion proof of every event of the application, against a checkpoint (by
    default, one signed now)."""
    tree = services.tree
    ids = tree.notification_ids(application_uuid(application_id))
    if not ids:
        raise ProofError("no_application", application_id=application_id)
    checkpoint = read_json(checkpoint_file) if checkpoint_file else services.checkpoint()
    try:
        proof = tree.inclusion(ids, checkpoint)
    except (LogTreeError, KeyError, TypeError) as e:  # a later event, another log's head
        raise ProofError("cannot_prove", e, application_id=application_id, why=str(e)) from None
    proof["application_id"] = application_id
    return proof


def verify(proof_file: str, keys_file: str | None, key_file: Path) -> list[dict]:
    """The findings of a proof's check ([] when it holds), with the given public keys."""
    proof = read_json(proof_file)
    keys = (signing.read_public_keys(keys_file) if keys_file
            else signing.known_public_keys(key_file))
    if not keys:
        raise ProofError("no_key")
    return [f.to_dict() for f in log_audit.verify_proof(proof, keys)]
