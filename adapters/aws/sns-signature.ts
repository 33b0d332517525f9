import { createVerify, X509Certificate } from 'node:crypto';
import { VigieError } from '../../core/errors.ts';
import { checkSigningCertUrl, type SnsMessage, stringToSign } from '../../core/sns-message.ts';

export type CertificateFetcher = (url: URL) => Promise<string>;

/** Fetches a signing certificate over HTTPS (TLS proves the SNS host), once per URL. */
export function cachedCertificateFetcher(
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 5_000,
): CertificateFetcher {
  const cache = new Map<string, Promise<string>>();
  return (url) => {
    let pending = cache.get(url.href);
    if (!pending) {
      pending = fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) }).then(async (r) => {
        if (!r.ok) throw new Error(`certificate answered ${r.status}`);
        return r.text();
      });
      pending.catch(() => cache.delete(url.href));
      cache.set(url.href, pending);
    }
    return pending;
  };
}

/**
 * Verifies an SNS message's signature: certificate URL on an SNS host, certificate currently
 * valid, RSA signature over the canonical string with SHA1 (SignatureVersion 1) or SHA256 (2).
 * Any failure is UNAUTHENTICATED without saying which check failed to the caller.
 */
export async function verifySnsSignature(
  message: SnsMessage,
  fetchCertificate: CertificateFetcher,
  now: Date,
): Promise<void> {
  const certUrl = checkSigningCertUrl(message.SigningCertURL);
  let pem: string;
  try {
    pem = await fetchCertificate(certUrl);
  } catch {
    throw new VigieError(
      'UNAVAILABLE',
      'Could not fetch the SNS signing certificate; SNS will retry.',
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new VigieError('UNAUTHENTICATED', 'SNS signing certificate is not a certificate.');
  }
  if (
    Date.parse(certificate.validFrom) > now.getTime() ||
    Date.parse(certificate.validTo) < now.getTime()
  ) {
    throw new VigieError('UNAUTHENTICATED', 'SNS signing certificate is not valid now.');
  }
  const verifier = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  verifier.update(stringToSign(message), 'utf8');
  let valid: boolean;
  try {
    valid = verifier.verify(certificate.publicKey, message.Signature, 'base64');
  } catch {
    valid = false; // a malformed signature is a bad signature
  }
  if (!valid) throw new VigieError('UNAUTHENTICATED', 'SNS message signature does not verify.');
}
