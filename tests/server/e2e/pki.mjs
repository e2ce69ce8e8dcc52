// A test PKI made with the openssl CLI: a web CA for the TLS servers (mandate
// and the OIDC provider), the SPIFFE trust domain example.org with X.509-SVIDs,
// a foreign trust domain (evil.org) and a rogue CA that claims example.org.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(dir, args) {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr}`);
  }
}

function key(dir, name) {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
}

function ca(dir, name, cn) {
  key(dir, name);
  writeFileSync(join(dir, `${name}.cnf`), `[req]
distinguished_name = dn
prompt = no
[dn]
CN = ${cn}
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`);
  openssl(dir, ['req', '-x509', '-new', '-config', `${name}.cnf`, '-extensions', 'v3_ca', '-key', `${name}.key`,
    '-days', '2', '-out', `${name}.pem`]);
}

// A leaf signed by `issuer`; `ext` are its X.509v3 extensions.
function leaf(dir, name, issuer, cn, ext) {
  key(dir, name);
  writeFileSync(join(dir, `${name}.cnf`), `[req]
distinguished_name = dn
prompt = no
[dn]
CN = ${cn}
`);
  writeFileSync(join(dir, `${name}.ext`), `${ext}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`);
  openssl(dir, ['req', '-new', '-config', `${name}.cnf`, '-key', `${name}.key`, '-out', `${name}.csr`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`,
    '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

function svid(dir, name, issuer, spiffeId) {
  leaf(dir, name, issuer, name, `basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = critical,URI:${spiffeId}`);
}

// The credential a TLS client presents: PEM cert and key, DER, RFC 8705 thumbprint.
function credential(dir, name) {
  const cert = readFileSync(join(dir, `${name}.pem`));
  const der = new X509Certificate(cert).raw;
  return {
    cert,
    key: readFileSync(join(dir, `${name}.key`)),
    der,
    derBase64url: der.toString('base64url'),
    x5t: createHash('sha256').update(der).digest('base64url'),
  };
}

export function makePki(dir) {
  ca(dir, 'web-ca', 'e2e web CA');
  leaf(dir, 'server', 'web-ca', 'localhost', `basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost`);
  ca(dir, 'example-org-ca', 'example.org SPIFFE CA');
  svid(dir, 'deployer', 'example-org-ca', 'spiffe://example.org/ci/deployer');
  svid(dir, 'payments-rs', 'example-org-ca', 'spiffe://example.org/rs/payments');
  ca(dir, 'evil-org-ca', 'evil.org SPIFFE CA');
  svid(dir, 'evil-deployer', 'evil-org-ca', 'spiffe://evil.org/ci/deployer');
  ca(dir, 'rogue-ca', 'rogue CA');
  svid(dir, 'rogue-deployer', 'rogue-ca', 'spiffe://example.org/ci/deployer');
  return {
    dir,
    webCa: readFileSync(join(dir, 'web-ca.pem')),
    webCaFile: join(dir, 'web-ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    exampleBundleFile: join(dir, 'example-org-ca.pem'),
    deployer: credential(dir, 'deployer'),
    paymentsRs: credential(dir, 'payments-rs'),
    evilDeployer: credential(dir, 'evil-deployer'),
    rogueDeployer: credential(dir, 'rogue-deployer'),
  };
}
