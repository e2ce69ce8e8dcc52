// A real OpenID provider for the humans (oidc-provider), over https on a free
// loopback port, with real discovery and JWKS.
//
// ID tokens come from the authorization code flow, driven programmatically:
// GET /auth, the interaction (our own handler finishes it with
// provider.interactionFinished for the chosen account, as a login page would
// after checking a password), GET /auth/:uid (resume), then POST /token.
// That is the flow a browser goes through, so the tokens are exactly what a
// real login yields, signed by the keys the provider publishes. We create the
// provider's signing key ourselves (and pass it in `jwks`) so the test can
// also mint an *expired* token under the provider's own key and kid: the only
// thing wrong with it is its age.
//
// The console's tests (console.mjs) register mandate's console as a second
// client, whose redirect URI names mandate's port: listenIdp() binds first
// (so mandate can be configured with the issuer), start() then creates the
// provider with that client. signIn() drives a browser's sign-in from an
// authorization URL mandate made; tamperNextIdToken() re-signs, with the
// provider's own key, the ID token its next /token answer carries — a
// provider gone wrong, or an attacker holding its key, as the test needs.
// selectAccount() names who the next interaction logs in when a real browser
// visits the provider's login page itself (the console's browser test).
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'mandate-e2e';
const CLIENT_SECRET = 'e2e-client-secret-not-secret-at-all';
const REDIRECT_URI = 'https://client.e2e.test/cb';
const ACCOUNTS = new Set(['alice', 'bob', 'carol', 'admin', 'mallory', 'dave']);

export async function startIdp(pki) {
  const idp = await listenIdp(pki);
  idp.start();
  return idp;
}

// The ID token in a /token answer, replaced by `rewrite(claims)` signed with `key`.
function tamperTokenAnswer(res, rewrite, key, kid) {
  const chunks = [];
  const end = res.end.bind(res);
  res.write = (chunk) => {
    chunks.push(Buffer.from(chunk));
    return true;
  };
  res.end = (chunk) => {
    if (chunk) chunks.push(Buffer.from(chunk));
    const answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    (async () => {
      if (answer.id_token) {
        const claims = rewrite(decodeJwt(answer.id_token));
        answer.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
      }
      const body = JSON.stringify(answer);
      res.setHeader('content-length', Buffer.byteLength(body));
      end(body);
    })();
    return res;
  };
}

export async function listenIdp(pki) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'e2e-idp-1', alg: 'ES256', use: 'sig' };

  let provider;
  let nextAccount;
  let tamper = null;
  const server = https.createServer(
    { cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile) },
    (req, res) => {
      if (!provider) {
        res.statusCode = 503;
        res.end('not started');
        return;
      }
      if (tamper && req.method === 'POST' && req.url.startsWith('/token')) {
        tamperTokenAnswer(res, tamper, privateKey, jwk.kid);
        tamper = null;
      }
      if (req.url.startsWith('/interaction/')) {
        // The login page: the account the test is logging in as.
        provider
          .interactionFinished(req, res, { login: { accountId: nextAccount } }, { mergeWithLastSubmission: false })
          .catch((e) => {
            res.statusCode = 500;
            res.end(String(e));
          });
        return;
      }
      provider.callback()(req, res);
    },
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `https://127.0.0.1:${server.address().port}`;

  // `consoleClients`: [{ client_id, client_secret?, redirect_uris }] of
  // mandate's consoles (without a secret: a public client, PKCE only).
  function start({ consoleClients = [] } = {}) {
    const clients = [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
    }];
    for (const consoleClient of consoleClients) {
      clients.push({
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
        token_endpoint_auth_method: consoleClient.client_secret ? 'client_secret_basic' : 'none',
        ...consoleClient,
      });
    }
    provider = new Provider(issuer, {
      clients,
      jwks: { keys: [jwk] },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (ctx, id) => (ACCOUNTS.has(id) ? { accountId: id, claims: () => ({ sub: id }) } : undefined),
      // First-party client: the grant of `openid` needs no consent screen.
      loadExistingGrant: async (ctx) => {
        const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope('openid');
        await grant.save();
        return grant;
      },
    });
    provider.on('server_error', (ctx, e) => console.error('idp server_error:', e));
  }

  const ca = pki.webCa;
  function get(url, cookies) {
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method: 'GET', ca, agent: false, headers: { cookie: cookies.join('; ') } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      });
      req.on('error', reject);
      req.end();
    });
  }

  // A browser signing in as `account` from `authorizationUrl` (one mandate
  // made): follows the provider's redirects, with its cookies, until one
  // leaves the provider; returns that URL (the client's redirect URI with
  // code and state), or the provider's answer when it stops with an error.
  async function signIn(authorizationUrl, account) {
    nextAccount = account;
    const jar = new Map();
    let url = authorizationUrl;
    for (let hops = 0; hops < 6; ++hops) {
      const res = await get(url, [...jar].map(([k, v]) => `${k}=${v}`));
      for (const c of res.headers['set-cookie'] ?? []) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      if (res.statusCode < 300 || res.statusCode >= 400) throw new Error(`idp: ${url} answered ${res.statusCode}`);
      const next = new URL(res.headers.location, url);
      if (!next.href.startsWith(issuer)) return next;
      url = next.href;
    }
    throw new Error('idp: too many redirects');
  }

  // The authorization code flow for one account; returns the ID token.
  async function login(account) {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const params = new URLSearchParams({
      client_id: CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
      state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'),
      code_challenge: challenge, code_challenge_method: 'S256',
    });
    const next = await signIn(`${issuer}/auth?${params}`, account);
    const code = next.searchParams.get('code');
    if (!next.href.startsWith(REDIRECT_URI) || !code) throw new Error(`idp: no code in ${next.href}`);
    return exchange(code, verifier);
  }

  function exchange(code, verifier) {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString();
    return new Promise((resolve, reject) => {
      const req = https.request(`${issuer}/token`, {
        method: 'POST', ca, agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
        },
      }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => {
          const answer = JSON.parse(text);
          if (res.statusCode !== 200 || !answer.id_token) reject(new Error(`idp /token: ${res.statusCode} ${text}`));
          else resolve(answer.id_token);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    issuer,
    start,
    login,
    signIn,
    tamperNextIdToken: (rewrite) => { tamper = rewrite; },
    selectAccount: (account) => { nextAccount = account; },
    signingKey: privateKey,
    publicKey,
    kid: jwk.kid,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
