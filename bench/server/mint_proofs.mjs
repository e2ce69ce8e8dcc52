// Proofs of possession (DPoP, RFC 9449, in mandate's action profile) for
// the mandate-bound decision benchmark: one fresh proof per decision, made
// before the run so that signing is not measured. Reads the executor's
// private JWK and a file of mandates (one token per line); writes one
// POST /v1/decisions body per line, the mandates taken in turn.
// Usage: node mint_proofs.mjs <private-jwk> <tokens-file> <bodies-out> <count> <action> <resource>
import { readFileSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(root, "package.json"));
const jose = await import(require.resolve("jose"));

const [jwkFile, tokensFile, out, count, action, resource] = process.argv.slice(2);
const jwk = JSON.parse(readFileSync(jwkFile, "utf8"));
const key = await jose.importJWK(jwk, "EdDSA");
const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
const tokens = readFileSync(tokensFile, "utf8").split("\n").filter(Boolean);
const ath = tokens.map((t) => createHash("sha256").update(t).digest("base64url"));
const now = Math.floor(Date.now() / 1000);
const lines = [];
for (let i = 0; i < Number(count); ++i) {
  const m = i % tokens.length;
  const proof = await new jose.SignJWT({ jti: randomBytes(16).toString("base64url"), iat: now, htm: action, htu: resource, ath: ath[m] })
    .setProtectedHeader({ alg: "EdDSA", typ: "dpop+jwt", jwk: publicJwk })
    .sign(key);
  lines.push(JSON.stringify({ token: tokens[m], proof, action, resource }));
}
writeFileSync(out, lines.join("\n") + "\n");
