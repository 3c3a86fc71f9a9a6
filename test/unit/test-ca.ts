// A throw-away certificate authority for TLS tests, made with openssl at test time: a CA, a
// server certificate for server.global.nomad only (as Nomad's own certificates name the server,
// not the address it is reached at, e.g. through kubectl port-forward), and a client certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCa {
  readonly dir: string;
  /** Paths of the PEM files. */
  readonly caCert: string;
  readonly serverKey: string;
  readonly serverCert: string;
  readonly clientKey: string;
  readonly clientCert: string;
  read(file: string): Buffer;
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-test-ca-'));
  const p = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=fleet test CA', '-keyout', p('ca.key'), '-out', p('ca.pem'));
  const issue = (name: string, subject: string, extensions: string) => {
    writeFileSync(p(`${name}.ext`), extensions);
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', subject, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`));
    openssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p(`${name}.ext`), '-out', p(`${name}.pem`));
  };
  issue('server', '/CN=server.global.nomad', 'subjectAltName=DNS:server.global.nomad\nextendedKeyUsage=serverAuth\n');
  issue('client', '/CN=fleet', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: p('ca.pem'),
    serverKey: p('server.key'),
    serverCert: p('server.pem'),
    clientKey: p('client.key'),
    clientCert: p('client.pem'),
    read: (file) => readFileSync(file),
  };
}
