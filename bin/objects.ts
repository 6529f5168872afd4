import { SecretStore, type SecretOptions } from '../src/crypto';
import { OptionError, OptsReader, parseQemuOpts } from './qemu-opts';

const LATER = ['tls-creds-anon', 'tls-creds-x509', 'authz-simple', 'authz-list', 'authz-listfile', 'tls-cipher-suites'];

/** Adds one `--object TYPE,id=…,…` to the stores it belongs to (QEMU's -object). */
export function addObject(text: string, secrets: SecretStore): void {
  const option = `--object ${text}`;
  const opts = new OptsReader(parseQemuOpts(text, 'qom-type', option), option);
  const type = opts.string('qom-type');
  if (type === 'secret') {
    const id = opts.string('id');
    if (id === undefined || id === '') throw new OptionError(`${option}: a secret needs an id`);
    const secret: SecretOptions = { id };
    const data = opts.string('data');
    const file = opts.string('file');
    const keyid = opts.string('keyid');
    const iv = opts.string('iv');
    const format = opts.choice('format', ['raw', 'base64'] as const);
    opts.finish();
    secrets.add({
      ...secret,
      ...(data !== undefined && { data }),
      ...(file !== undefined && { file }),
      ...(keyid !== undefined && { keyid }),
      ...(iv !== undefined && { iv }),
      ...(format !== undefined && { format }),
    });
    return;
  }
  if (type !== undefined && LATER.includes(type)) {
    throw new OptionError(`${option}: object type '${type}' is not supported by this version of vncd`);
  }
  throw new OptionError(`${option}: unknown object type '${type ?? ''}' (accepted: secret)`);
}
