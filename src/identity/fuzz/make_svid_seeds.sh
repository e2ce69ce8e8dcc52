#!/usr/bin/env bash
# Makes x509_svid_fuzz's fixed PKI with the openssl CLI: a root CA (the
# target's trust bundle, written into svid_fuzz_bundle.h), an intermediate,
# and leaves with the defects the identity module refuses, as seeds in
# seeds/svid/. Run once; its outputs are committed (running it again makes a
# new root, and both outputs change together). Certificates are P-256 (one
# RSA and one Ed25519 leaf) and valid for 100 years from the day it runs.
set -euo pipefail
cd "$(dirname "$0")"
out=seeds/svid
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out" && mkdir -p "$out"

key() {  # NAME [ALGORITHM [OPTION]]: P-256 unless told
  local algorithm=${2:-EC} option=${3-ec_paramgen_curve:P-256}
  openssl genpkey -quiet -algorithm "$algorithm" ${option:+-pkeyopt "$option"} -out "$work/$1.key"
}
# cert NAME ISSUER EXTENSIONS [SUBJECT]: ISSUER "self" makes it self-signed.
cert() {
  local name=$1 issuer=$2 ext=$3 subject=${4:-/CN=$1}
  printf '%b\n' "$ext" >"$work/$name.ext"
  openssl req -new -key "$work/$name.key" -subj "$subject" -out "$work/$name.csr" 2>/dev/null
  if [[ $issuer == self ]]; then
    openssl x509 -req -in "$work/$name.csr" -signkey "$work/$name.key" -days 36500 -sha256 \
      -extfile "$work/$name.ext" -out "$work/$name.pem" 2>/dev/null
  else
    openssl x509 -req -in "$work/$name.csr" -CA "$work/$issuer.pem" -CAkey "$work/$issuer.key" -CAcreateserial \
      -days 36500 -sha256 -extfile "$work/$name.ext" -out "$work/$name.pem" 2>/dev/null
  fi
  openssl x509 -in "$work/$name.pem" -outform DER -out "$work/$name.der"
}
ca_ext='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash'
leaf_ext() {  # URI-SANS [KEY-USAGE] [BASIC-CONSTRAINTS]
  local s="basicConstraints=critical,${3:-CA:FALSE}\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid"
  [[ -n $1 ]] && s+="\nsubjectAltName=$1"
  [[ -n ${2-digitalSignature} ]] && s+="\nkeyUsage=critical,${2-digitalSignature}"
  printf '%s' "$s"
}

key root
cert root self "$ca_ext" "/O=mandate fuzz/CN=fuzz.example root"
key intermediate
cert intermediate root "$ca_ext\nauthorityKeyIdentifier=keyid" "/O=mandate fuzz/CN=fuzz.example intermediate"
id=URI:spiffe://fuzz.example/ns/shop/sa/deployer
for spec in \
  "leaf|intermediate|$id" \
  "leaf_by_root|root|URI:spiffe://fuzz.example/ci/runner" \
  "leaf_two_uris|intermediate|$id,URI:spiffe://fuzz.example/other" \
  "leaf_dns_only|intermediate|DNS:deployer.fuzz.example" \
  "leaf_upper_case|intermediate|URI:spiffe://Fuzz.Example/ns/shop" \
  "leaf_relative_path|intermediate|URI:spiffe://fuzz.example/ns/../sa" \
  "leaf_other_domain|intermediate|URI:spiffe://other.example/ns/shop/sa/deployer" \
  "leaf_no_digital_signature|intermediate|$id|keyEncipherment" \
  "leaf_key_cert_sign|intermediate|$id|digitalSignature,keyCertSign" \
  "leaf_no_key_usage|intermediate|$id|" \
  "leaf_ca|intermediate|$id|digitalSignature|CA:TRUE" \
  "leaf_self_signed|self|$id"; do
  IFS='|' read -r name issuer sans usage bc <<<"$spec"
  key "$name"
  if [[ $spec == *"|"*"|"*"|"* ]]; then
    cert "$name" "$issuer" "$(leaf_ext "$sans" "$usage" "${bc:-}")"
  else
    cert "$name" "$issuer" "$(leaf_ext "$sans")"
  fi
done
key leaf_rsa RSA rsa_keygen_bits:2048
cert leaf_rsa intermediate "$(leaf_ext "$id")"
key leaf_ed25519 ED25519 ""
cert leaf_ed25519 intermediate "$(leaf_ext "$id")"

# A chain seed: each certificate as a 2-byte big-endian length and its DER.
chain() {  # SEED CERT...
  local seed=$1
  shift
  python3 - "$out/$seed" "${@/#/$work/}" <<'PY'
import sys
with open(sys.argv[1], 'wb') as f:
    for path in sys.argv[2:]:
        der = open(path + '.der', 'rb').read()
        f.write(len(der).to_bytes(2, 'big') + der)
PY
}
for leaf in leaf leaf_two_uris leaf_dns_only leaf_upper_case leaf_relative_path leaf_other_domain \
  leaf_no_digital_signature leaf_key_cert_sign leaf_no_key_usage leaf_ca leaf_rsa leaf_ed25519; do
  chain "chain_$leaf" "$leaf" intermediate
done
chain chain_leaf_by_root leaf_by_root
chain chain_leaf_self_signed leaf_self_signed
chain chain_leaf_without_intermediate leaf
chain chain_leaf_with_root leaf intermediate root
chain chain_too_long leaf intermediate intermediate intermediate intermediate intermediate intermediate intermediate intermediate
# Bundle seeds (PEM mode): the root, root and intermediate, a leaf (not a CA).
cp "$work/root.pem" "$out/bundle_root.pem"
cat "$work/root.pem" "$work/intermediate.pem" >"$out/bundle_root_intermediate.pem"
cp "$work/leaf.pem" "$out/bundle_leaf.pem"
# SPIFFE ID seeds (text mode).
printf 'spiffe://fuzz.example/ns/shop/sa/deployer' >"$out/id_workload"
printf 'spiffe://fuzz.example' >"$out/id_no_path"

{
  echo '#pragma once'
  echo '// Written by make_svid_seeds.sh: the root CA x509_svid_fuzz trusts, which'
  echo '// issued (through seeds/svid/'"'"'s intermediate) the chains in seeds/svid/.'
  echo 'inline constexpr const char* kFuzzBundlePem = R"('"$(cat "$work/root.pem")"')";'
  echo '// The good chain (seeds/svid/chain_leaf), base64 DER, verified against'
  echo '// bundles read from PEM input.'
  echo 'inline constexpr const char* kFuzzLeafDer = "'"$(base64 -w0 "$work/leaf.der")"'";'
  echo 'inline constexpr const char* kFuzzIntermediateDer = "'"$(base64 -w0 "$work/intermediate.der")"'";'
} >svid_fuzz_bundle.h
echo "made $(ls "$out" | wc -l) seeds in $out and svid_fuzz_bundle.h"
