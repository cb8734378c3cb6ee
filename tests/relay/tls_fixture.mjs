// A throwaway self-signed certificate (Debian's openssl CLI) for the TLS tests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// {cert, pkey, dir, remove()}: PEM files for CN=localhost, valid for one day.
export function makeCertificate() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyrtc-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const pkey = path.join(dir, 'pkey.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-days', '1', '-subj', '/CN=localhost', '-keyout', pkey, '-out', cert], { stdio: 'ignore' });
    return { cert, pkey, dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
