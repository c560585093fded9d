import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/**
 * A connector's SAML signing key (B3): RSA 2048 and a self-signed X.509 certificate, the kind an SP
 * such as Slack takes as "public certificate". Node generates the key (native, fast); node-forge builds and
 * signs the certificate, which Node's crypto cannot do. Forge only ever writes certificates here, never
 * parses untrusted ones: reading certificates (fingerprint, expiry) is Node's X509Certificate.
 */
export type SigningKey = { privateKeyPem: string; certificatePem: string; notBefore: Date; notAfter: Date };

const generate = promisify(generateKeyPair);

/** Ten years, like the certificates IdPs issue for SAML signing: Slack pins the certificate, it does not check a chain. */
export const CERTIFICATE_YEARS = 10;
const RSA_BITS = 2048;

export async function generateSigningKey(opts: { commonName: string; now?: Date; years?: number }): Promise<SigningKey> {
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: RSA_BITS,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const notBefore = new Date(Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (opts.years ?? CERTIFICATE_YEARS));

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive 128-bit serial (the top bit clear keeps the DER integer positive).
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [
    { shortName: 'CN', value: opts.commonName.slice(0, 64) },
    { shortName: 'O', value: 'Bindery' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { privateKeyPem: privateKey, certificatePem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), notBefore, notAfter };
}

export type CertificateInfo = { fingerprintSha256: string; subject: string; notBefore: Date; notAfter: Date };

/** What an admin compares with what Slack shows: the SHA-256 fingerprint and the validity. */
export function certificateInfo(pem: string): CertificateInfo {
  const cert = new X509Certificate(pem);
  return { fingerprintSha256: cert.fingerprint256, subject: cert.subject.replace(/\n/g, ', '), notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/** The certificate's base64 body on one line, as SAML metadata (ds:X509Certificate) carries it. */
export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
