// Interop with jose (npm), the reference JOSE implementation mandate is
// checked against, and with dpop (npm), a maintained RFC 9449 client. Run by interop_test.cc; node resolves 'jose' from the
// repository's node_modules (installed by scripts/install-deps.sh).
//
//   node jose_interop.mjs verify DIR   jose verifies mandate's tokens (DIR/case.json)
//   node jose_interop.mjs make DIR     jose makes tokens and proofs for mandate (DIR/jose.json)
//
// Prints one JSON line; exits 0 when every expectation held, 1 otherwise.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  SignJWT, calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify,
} from 'jose';
import { generateProof } from 'dpop';

const [mode, dir] = process.argv.slice(2);
const problems = [];
const expect = (ok, what) => { if (!ok) problems.push(what); };

async function rejection(token, jwks, options) {
  try {
    await jwtVerify(token, jwks, options);
    return null;
  } catch (e) {
    return e.code ?? e.name;
  }
}

// mandate -> jose: jwtVerify against the keyring's JWKS.
async function verify() {
  const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
  const jwks = createLocalJWKSet(c.jwks);
  const options = {
    issuer: c.issuer, audience: c.audience, typ: 'at+jwt', algorithms: ['EdDSA'],
    currentDate: new Date(c.now * 1000), requiredClaims: ['iat', 'nbf', 'exp', 'jti', 'sub', 'client_id', 'act'],
  };
  const { payload, protectedHeader } = await jwtVerify(c.token, jwks, options);
  expect(protectedHeader.typ === 'at+jwt', 'typ');
  expect(protectedHeader.kid === c.jwks.keys[0].kid, 'kid');
  expect(await calculateJwkThumbprint(c.jwks.keys[0], 'sha256') === c.jwks.keys[0].kid, 'kid is the RFC 7638 thumbprint');
  for (const [name, value] of Object.entries(c.claims)) {
    expect(isDeepStrictEqual(payload[name], value), `claim ${name}: ${JSON.stringify(payload[name])}`);
  }
  // jose must refuse what mandate must refuse too; each case names why.
  const rejected = {};
  for (const [why, token] of Object.entries(c.refused)) {
    rejected[why] = await rejection(token, jwks, options);
    expect(rejected[why] !== null, `jose accepted the ${why} token`);
  }
  const late = await rejection(c.token, jwks, { ...options, currentDate: new Date((c.now + 3600) * 1000) });
  expect(late === 'ERR_JWT_EXPIRED', `an hour later: ${late}`);
  return { verified: payload.jti, rejected, late };
}

async function keyPair(alg) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { publicKey, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

const ath = (token) => createHash('sha256').update(token).digest('base64url');

function proof(key, alg, token, htm, htu, iat, header = {}) {
  return new SignJWT({ htm, htu, ath: ath(token) })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: key.jwk, ...header })
    .setIssuedAt(iat).setJti(randomUUID()).sign(key.privateKey);
}

// jose -> mandate: an at+jwt mandate token and proofs for it.
async function make() {
  const c = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8'));
  const issuer = await keyPair('EdDSA');
  const kid = issuer.jkt;
  const executors = { EdDSA: await keyPair('EdDSA'), ES256: await keyPair('ES256') };
  const mandate = (executor, alg = 'EdDSA', signer = issuer) => new SignJWT({
    client_id: c.client_id, act: c.act, authorization_details: c.authorization_details, cnf: { jkt: executor.jkt },
    [c.mandate_claim]: { task_id: c.task_id, approval_hash: c.approval_hash, depth: 0, max_uses: 1, break_glass: false },
  }).setProtectedHeader({ alg, typ: 'at+jwt', kid }).setIssuer(c.issuer).setAudience(c.audience)
    .setSubject(c.sub).setJti(randomUUID()).setIssuedAt(c.now).setNotBefore(c.now).setExpirationTime(c.now + 600)
    .sign(signer.privateKey);

  const out = { issuer_jwk: issuer.jwk, kid, cases: [] };
  for (const [alg, executor] of Object.entries(executors)) {
    const token = await mandate(executor);
    out.cases.push({
      alg, token, jkt: executor.jkt, executor_jwk: executor.jwk,
      proof: await proof(executor, alg, token, c.action, c.resource, c.now),
      // A standard DPoP proof of an HTTP request, made by the dpop library
      // (its iat is the real clock; alg "Ed25519" per RFC 9864 for Ed25519).
      dpop_http: await generateProof(executor, c.http_uri, c.http_method, undefined, token),
      // Each must be refused by mandate with the named check.
      refused: {
        htm: await proof(executor, alg, token, 'delete', c.resource, c.now),
        htu: await proof(executor, alg, token, c.action, c.resource + '/other', c.now),
        token: await proof(executor, alg, 'another.access.token', c.action, c.resource, c.now),
        freshness: await proof(executor, alg, token, c.action, c.resource, c.now - 3600),
        binding: await proof(executors[alg === 'EdDSA' ? 'ES256' : 'EdDSA'],
          alg === 'EdDSA' ? 'ES256' : 'EdDSA', token, c.action, c.resource, c.now),
        type: await new SignJWT({ htm: c.action, htu: c.resource, ath: ath(token) })
          .setProtectedHeader({ alg, typ: 'JWT', jwk: executor.jwk }).setIssuedAt(c.now).setJti(randomUUID())
          .sign(executor.privateKey),
      },
    });
  }
  // Mandate tokens mandate must refuse: signed with ES256, signed by another key under the same kid.
  out.refused_tokens = {
    algorithm: await mandate(executors.EdDSA, 'ES256', executors.ES256),
    signature: await mandate(executors.EdDSA, 'EdDSA', executors.EdDSA),
  };
  writeFileSync(join(dir, 'jose.json'), JSON.stringify(out));
  return { made: out.cases.length };
}

try {
  const result = mode === 'verify' ? await verify() : mode === 'make' ? await make() : null;
  if (result === null) throw new Error(`unknown mode ${mode}`);
  console.log(JSON.stringify({ ...result, problems }));
  process.exit(problems.length === 0 ? 0 : 1);
} catch (e) {
  console.log(JSON.stringify({ error: String(e), code: e.code, problems }));
  process.exit(1);
}
