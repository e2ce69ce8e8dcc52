// A minimal OpenID provider for tests/identity/jwks_fetch_test.cc, on a free
// loopback port: discovery, a JWKS that gains a second key on /rotate, and
// ID tokens signed by jose (npm). Prints one JSON line
// {"issuer", "tokens": {...}} once listening; exits on /shutdown, or after a
// minute so a crashed test cannot leave it behind. With two arguments,
// certificate chain and key PEM files, it serves https instead.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import * as jose from 'jose';

const rsa = await jose.generateKeyPair('RS256', { extractable: true });
const ec = await jose.generateKeyPair('ES256', { extractable: true });
const publicJwk = async (pair, kid, alg) => ({ ...(await jose.exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
const first = await publicJwk(rsa, 'rsa-1', 'RS256');
const second = await publicJwk(ec, 'ec-1', 'ES256');
let rotated = false;

const [certFile, keyFile] = process.argv.slice(2);
const scheme = certFile ? 'https' : 'http';
const handler = (req, res) => {
  const issuer = `${scheme}://127.0.0.1:${server.address().port}`;
  const json = (body) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  switch (req.url) {
    case '/.well-known/openid-configuration':
      return json({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    case '/jwks':
      return json({ keys: rotated ? [first, second] : [first] });
    case '/rotate':
      rotated = true;
      return json({ rotated });
    case '/big':
      return json({ keys: [], padding: 'x'.repeat(1024 * 1024) });
    case '/shutdown':
      json({ bye: true });
      server.close();
      setImmediate(() => process.exit(0));
      return undefined;
    default:
      res.writeHead(404);
      return res.end();
  }
};
const server = certFile
  ? https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, handler)
  : http.createServer(handler);

server.listen(0, '127.0.0.1', async () => {
  const issuer = `${scheme}://127.0.0.1:${server.address().port}`;
  const idToken = (key, alg, kid, exp) =>
    new jose.SignJWT({ email: 'alice@example.com', email_verified: true })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience('mandate')
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(key);
  const tokens = {
    rsa: await idToken(rsa.privateKey, 'RS256', 'rsa-1', '5m'),
    ec: await idToken(ec.privateKey, 'ES256', 'ec-1', '5m'),
    expired: await idToken(rsa.privateKey, 'RS256', 'rsa-1', Math.floor(Date.now() / 1000) - 600),
  };
  process.stdout.write(JSON.stringify({ issuer, tokens }) + '\n');
});
setTimeout(() => process.exit(0), 60_000);
