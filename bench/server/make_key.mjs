// An Ed25519 key pair for a benchmark's executor: the public JWK to register
// (`mandate actor add --key`), the private one to sign proofs with.
// Usage: node make_key.mjs <public-jwk-out> <private-jwk-out>
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(root, "package.json"));
const jose = await import(require.resolve("jose"));

const [publicOut, privateOut] = process.argv.slice(2);
const { publicKey, privateKey } = await jose.generateKeyPair("EdDSA", { extractable: true });
const pub = await jose.exportJWK(publicKey);
writeFileSync(publicOut, JSON.stringify({ kty: pub.kty, crv: pub.crv, x: pub.x }));
writeFileSync(privateOut, JSON.stringify(await jose.exportJWK(privateKey)));
