// Makes a JWT-SVID signing key, writes its JWKS (the trust domain's JWT
// bundle) and prints one JWT-SVID for the given SPIFFE ID and audience.
// Usage: node mint_jwt_svid.mjs <jwks-out> <spiffe-id> <audience> [lifetime-seconds]
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(root, "package.json"));
const jose = await import(require.resolve("jose"));

const [jwksOut, spiffeId, audience, lifetime = "3600"] = process.argv.slice(2);
const { publicKey, privateKey } = await jose.generateKeyPair("ES256", { extractable: true });
const jwk = await jose.exportJWK(publicKey);
jwk.kid = "bench-1";
jwk.alg = "ES256";
jwk.use = "sig";
writeFileSync(jwksOut, JSON.stringify({ keys: [jwk] }));
const now = Math.floor(Date.now() / 1000);
const token = await new jose.SignJWT({})
  .setProtectedHeader({ alg: "ES256", kid: "bench-1", typ: "JWT" })
  .setSubject(spiffeId)
  .setAudience(audience)
  .setIssuedAt(now)
  .setExpirationTime(now + Number(lifetime))
  .sign(privateKey);
process.stdout.write(token);
