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

#: The words of each finding of the log's proof.
WORDS = {
    "checkpoint_bad_signature": "a checkpoint's signature does not verify",
    "checkpoint_unknown_key": "a checkpoint is signed by a key this store does not know",
    "checkpoint_malformed": "a checkpoint is not a signed head",
    "checkpoint_mismatch": "the log's first {size} records no longer have the root the "
                           "checkpoint committed to",
    "head_bad_signature": "a stored tree head's signature does not verify (size {size})",
    "head_unknown_key": "a stored tree head is signed by an unknown key (size {size})",
    "head_malformed": "a stored tree head is not a signed head",
    "head_mismatch": "the records no longer have the roots the signed heads recorded",
    "leaves_mismatch": "the stored leaves of the tree were edited",
    "records_lost": "records lost at the tail: the log holds {records} of the {size} a signed "
                    "head or checkpoint committed to",
    "record_changed": "a record was changed",
    "record_removed": "a record was removed",
    "record_inserted": "a record was inserted",
    "record_reordered": "records were reordered",
    "record_renumbered": "a record was renumbered",
    "not_replayable": "a record cannot be read or decoded",
    "proof_invalid": "the proof does not lead to the checkpoint's root",
    "proof_malformed": "the proof is not of the form grants prove writes",
}


class ProofError(ValueError):
    """A checkpoint or proof file that cannot be read; the message names it."""


def words(finding: dict) -> str:
    """One finding of the log's proof in words, with where it is."""
    text = fill(WORDS.get(finding["kind"], finding["kind"]), finding.get("detail") or {})
    where = []
    if finding.get("position") is not None:
        where.append(f"position {finding['position']}")
    if finding.get("aggregate_id"):
        where.append(f"aggregate {finding['aggregate_id']}")
    return f"{text} ({', '.join(where)})" if where else text


def read_json(path: str | Path) -> dict:
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ProofError(f"{path}: not a JSON file that can be read ({e})") from None
    if not isinstance(value, dict):
        raise ProofError(f"{path}: not a JSON object")
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
        raise ProofError(f"no application {application_id} in the log")
    checkpoint = read_json(checkpoint_file) if checkpoint_file else services.checkpoint()
    try:
        proof = tree.inclusion(ids, checkpoint)
    except (LogTreeError, KeyError, TypeError) as e:  # a later event, another log's head
        raise ProofError(f"cannot prove {application_id} against that checkpoint: {e}") from None
    proof["application_id"] = application_id
    return proof


def verify(proof_file: str, keys_file: str | None, key_file: Path) -> list[dict]:
    """The findings of a proof's check ([] when it holds), with the given public keys."""
    proof = read_json(proof_file)
    keys = (signing.read_public_keys(keys_file) if keys_file
            else signing.known_public_keys(key_file))
    if not keys:
        raise ProofError("no public key to check with: give --keys signing_keys.pub")
    return [f.to_dict() for f in log_audit.verify_proof(proof, keys)]
