#!/usr/bin/env python3
"""Verify mandate ledger evidence offline, independently of mandate's code.

Uses only Python's standard library (SHA-256, base64) and the OpenSSL
command line (Ed25519), so an auditor can check what mandate printed without
trusting mandate:

  verify-offline.py checkpoint --vkey VKEY --checkpoint CP
  verify-offline.py inclusion  --vkey VKEY --checkpoint CP --entry ENTRY_FILE --proof PROOF_JSON
  verify-offline.py consistency --vkey VKEY --old OLD_CP --checkpoint NEW_CP --proof PROOF_JSON
  verify-offline.py evidence   --vkey VKEY --bundle BUNDLE_JSON

Each also takes --witness WVKEY (repeatable) and --quorum K: the checkpoint
(the bundle's, or --checkpoint) must then carry valid C2SP cosignature/v1
signatures from K of those witnesses (all of them without --quorum). WVKEY is
a file holding a witness's cosigner vkey (`mandate witness public-key`).

VKEY is the output of `mandate ledger public-key` (C2SP vkey), CP a signed
checkpoint (`mandate ledger checkpoint`), ENTRY_FILE the exact bytes of
`mandate ledger entry N`, PROOF_JSON the output of `mandate ledger proof ...
--json`, BUNDLE_JSON the output of `mandate evidence export` (its checkpoint
and every entry's inclusion proof are checked; what the entries say is left to
`mandate evidence verify`). Hashes and proofs are standard padded base64.
Exit 0 when everything verifies, 1 when a check fails, 2 on bad input.
"""
import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
EM_DASH = "\u2014 "


class CheckFailed(Exception):
    pass


class BadInput(Exception):
    pass


def parse_vkey(vkey, sig_type=0x01, what="verifier key"):
    """A C2SP vkey: name+hex(key ID)+base64(type || Ed25519 key); 0x01 logs, 0x04 witnesses."""
    try:
        name, hash_hex, key_b64 = vkey.strip().split("+", 2)
        key = base64.b64decode(key_b64, validate=True)
    except ValueError as e:
        raise BadInput(f"{what}: {e}")
    if len(key) != 33 or key[0] != sig_type:
        raise BadInput(f"{what} is not an Ed25519 key of signature type 0x{sig_type:02x}")
    key_hash = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if key_hash.hex() != hash_hex:
        raise BadInput(f"{what} hash does not match name and key")
    return name, key_hash, key[1:]


def ed25519_verify(public_key, message, signature):
    with tempfile.TemporaryDirectory() as tmp:
        paths = {n: os.path.join(tmp, n) for n in ("pub.der", "msg", "sig")}
        with open(paths["pub.der"], "wb") as f:
            f.write(ED25519_SPKI_PREFIX + public_key)
        with open(paths["msg"], "wb") as f:
            f.write(message)
        with open(paths["sig"], "wb") as f:
            f.write(signature)
        result = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", paths["pub.der"],
             "-rawin", "-in", paths["msg"], "-sigfile", paths["sig"]],
            capture_output=True)
        return result.returncode == 0


def open_checkpoint(note, vkey):
    name, key_hash, public_key = parse_vkey(vkey)
    if "\n\n" not in note:
        raise BadInput("checkpoint is not a signed note")
    split = note.rindex("\n\n")
    text, signatures = note[:split + 1], note[split + 2:]
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != name:
        raise BadInput(f"checkpoint origin {lines[0]!r} is not {name!r}")
    size = int(lines[1])
    root = base64.b64decode(lines[2], validate=True)
    for line in signatures.splitlines():
        if not line.startswith(EM_DASH):
            raise BadInput("bad signature line")
        sig_name, blob = line[len(EM_DASH):].split(" ", 1)
        raw = base64.b64decode(blob, validate=True)
        if sig_name == name and raw[:4] == key_hash:
            if ed25519_verify(public_key, text.encode(), raw[4:]):
                return size, root
            raise CheckFailed("checkpoint signature does not verify")
    raise CheckFailed("checkpoint carries no signature by this key")


def require_cosignatures(note, witness_vkeys, quorum):
    """C2SP cosignature/v1: each signs "cosignature/v1\ntime <t>\n" + the checkpoint text."""
    split = note.rindex("\n\n")
    text, lines = note[:split + 1], note[split + 2:].splitlines()
    cosigned = []
    for vkey in witness_vkeys:
        name, key_id, public_key = parse_vkey(vkey, 0x04, "witness key")
        for line in lines:
            if not line.startswith(EM_DASH):
                raise BadInput("bad signature line")
            sig_name, blob = line[len(EM_DASH):].split(" ", 1)
            raw = base64.b64decode(blob, validate=True)
            if sig_name != name or raw[:4] != key_id:
                continue
            if len(raw) != 4 + 8 + 64:
                raise CheckFailed(f"cosignature by {name} is not a timestamp and a signature")
            timestamp = int.from_bytes(raw[4:12], "big")
            message = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
            if not ed25519_verify(public_key, message, raw[12:]):
                raise CheckFailed(f"cosignature by {name} does not verify")
            cosigned.append(name)
            break
    if len(cosigned) < quorum:
        raise CheckFailed(f"the checkpoint is cosigned by {len(cosigned)} of the witnesses given "
                          f"({', '.join(cosigned) or 'none'}), fewer than the quorum of {quorum}")
    return cosigned


def proof_hashes(proof, where="proof"):
    """Merkle hashes as mandate spells them everywhere: standard padded base64 of 32 bytes."""
    out = []
    for i, text in enumerate(proof):
        if not isinstance(text, str):
            raise BadInput(f"{where}: hash {i} is not a string")
        if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
            raise BadInput(f"{where}: hash {i} is hex; proof hashes are standard padded base64 (RFC 9162 / C2SP)")
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raw = b""
        # Python's decoder accepts non-zero trailing bits; re-encoding rules them out, so one hash has one spelling.
        if len(raw) != 32 or base64.b64encode(raw).decode() != text:
            raise BadInput(f"{where}: hash {i} is not standard padded base64 of 32 bytes")
        out.append(raw)
    return out


def verify_evidence(bundle, vkey):
    """The bundle's Merkle material: its checkpoint, and each entry included in it."""
    if not isinstance(bundle, dict) or bundle.get("format") != "mandate-evidence/2":
        fmt = bundle.get("format") if isinstance(bundle, dict) else None
        hint = " (mandate-evidence/1 carried hex proofs: export the bundle again)" if fmt == "mandate-evidence/1" else ""
        raise BadInput(f"not a mandate-evidence/2 bundle: format {fmt!r}{hint}")
    size, root = open_checkpoint(bundle["checkpoint"], vkey)
    entries = bundle["entries"]
    for e in entries:
        index, entry = e["index"], e["entry"]
        if not isinstance(index, int) or not isinstance(entry, str):
            raise BadInput("an entry lacks index or entry")
        path = proof_hashes(e["proof"], f"entry #{index}")
        leaf = hashlib.sha256(b"\x00" + entry.encode()).digest()
        if json.loads(entry).get("index") != index:
            raise CheckFailed(f"entry #{index}: its bytes name another index")
        if not verify_inclusion(index, size, leaf, path, root):
            raise CheckFailed(f"entry #{index} is not included in the checkpoint's tree")
    return f"evidence: {len(entries)} entries included in checkpoint of size {size}"


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, proof, root):
    # RFC 9162 section 2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    # RFC 9162 section 2.1.4.2
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second or not proof:
        return first == 0 and not proof
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError as e:
        raise BadInput(str(e))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["checkpoint", "inclusion", "consistency", "evidence"])
    parser.add_argument("--vkey", required=True, help="file holding the verifier key")
    parser.add_argument("--checkpoint", help="signed checkpoint (all but evidence)")
    parser.add_argument("--bundle", help="evidence bundle JSON (evidence)")
    parser.add_argument("--old", help="older checkpoint (consistency)")
    parser.add_argument("--entry", help="file with the entry's exact bytes (inclusion)")
    parser.add_argument("--proof", help="proof JSON from mandate")
    parser.add_argument("--witness", action="append", default=[], help="file holding a witness's cosigner vkey")
    parser.add_argument("--quorum", type=int, help="how many of the --witness keys must have cosigned (default: all)")
    args = parser.parse_args()
    try:
        vkey = read(args.vkey)
        witnesses = [read(w) for w in args.witness]
        quorum = len(witnesses) if args.quorum is None else args.quorum
        if args.quorum is not None and not 0 <= args.quorum <= len(witnesses):
            raise BadInput("--quorum must be between 0 and the number of --witness keys")
        witnessed = ""
        if args.what == "evidence":
            if not args.bundle:
                raise BadInput("evidence needs --bundle")
            bundle = json.loads(read(args.bundle))
            result = verify_evidence(bundle, vkey)
            if witnesses:
                names = require_cosignatures(bundle["checkpoint"], witnesses, quorum)
                witnessed = f", cosigned by {', '.join(names)}"
            print("OK: " + result + witnessed)
            return 0
        if not args.checkpoint:
            raise BadInput(f"{args.what} needs --checkpoint")
        note = read(args.checkpoint)
        size, root = open_checkpoint(note, vkey)
        if witnesses:
            witnessed = ", cosigned by " + ", ".join(require_cosignatures(note, witnesses, quorum))
        if args.what == "inclusion":
            proof = json.loads(read(args.proof))
            leaf = hashlib.sha256(b"\x00" + read(args.entry, "rb")).digest()
            path = proof_hashes(proof["proof"])
            if proof["tree_size"] != size:
                raise BadInput(f"proof is for tree size {proof['tree_size']}, checkpoint for {size}")
            if not verify_inclusion(proof["index"], size, leaf, path, root):
                raise CheckFailed(f"entry {proof['index']} is not included in the checkpoint's tree")
        elif args.what == "consistency":
            old_size, old_root = open_checkpoint(read(args.old), vkey)
            proof = json.loads(read(args.proof))
            path = proof_hashes(proof["proof"])
            if (proof["first"], proof["second"]) != (old_size, size):
                raise BadInput("proof sizes do not match the checkpoints")
            if not verify_consistency(old_size, size, old_root, root, path):
                raise CheckFailed("the newer checkpoint does not extend the older one")
        print(f"OK: {args.what} verified against checkpoint of size {size}{witnessed}")
        return 0
    except CheckFailed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    except (BadInput, ValueError, KeyError, TypeError, AttributeError) as e:
        print(f"bad input: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
