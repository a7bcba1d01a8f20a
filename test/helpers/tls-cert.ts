import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/*
 * Self-signed certificates with any validity window, including ones already expired or not yet
 * valid, which openssl's CLI cannot make without a CA dance and node:crypto cannot make at all.
 */

// One key for every certificate of a test run: the key is slow to make and never what a test is about.
let sharedKey: { privatePem: string; publicPem: string } | undefined;
function testKey(): { privatePem: string; publicPem: string } {
  sharedKey ??= (() => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  })();
  return sharedKey;
}

/** A PEM key and a self-signed certificate valid exactly from notBefore to notAfter, for localhost and 127.0.0.1. */
export function selfSignedCert(opts: { notBefore: Date; notAfter: Date; commonName?: string }): { key: string; cert: string } {
  const { privatePem, publicPem } = testKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  // A leading 01 keeps the serial positive, as X.509 requires.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = opts.notBefore;
  cert.validity.notAfter = opts.notAfter;
  const subject = [{ name: 'commonName', value: opts.commonName ?? 'localhost' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privatePem), forge.md.sha256.create());
  return { key: privatePem, cert: forge.pki.certificateToPem(cert) };
}
