import {
  AuthzList,
  AuthzListFile,
  AuthzSimple,
  SecretStore,
  TlsCredsAnon,
  TlsCredsX509,
  type Authz,
  type AuthzRule,
  type SecretOptions,
  type TlsCreds,
} from '../src/crypto';
import { OptionError, optional, OptsReader, parseQemuOpts } from './qemu-opts';

/** The objects `--object` creates, by id, as QEMU's -object does. */
export class Objects {
  readonly secrets = new SecretStore();
  private readonly tlsCreds = new Map<string, TlsCreds>();
  private readonly authzs = new Map<string, Authz & { close?(): void }>();
  /** Plain (VeNCrypt) users: name → password. */
  readonly plainUsers = new Map<string, string>();

  add(text: string): void {
    const option = `--object ${text}`;
    const opts = new OptsReader(parseQemuOpts(text, 'qom-type', option), option);
    const type = opts.string('qom-type') ?? '';
    const id = opts.string('id');
    if (id === undefined || id === '') throw new OptionError(`${option}: an object needs an id`);
    if (this.tlsCreds.has(id) || this.authzs.has(id) || this.secrets.has(id) || this.plainUsers.has(id)) {
      throw new OptionError(`${option}: the id '${id}' is already used`);
    }
    switch (type) {
      case 'secret':
        return this.secret(id, opts);
      case 'tls-creds-x509':
        return this.x509(id, opts);
      case 'tls-creds-anon':
        return this.anon(id, opts);
      case 'authz-simple':
        return this.authz(id, opts, () => new AuthzSimple({ identity: required(opts, 'identity', option) }));
      case 'authz-list':
        return this.authz(id, opts, () => new AuthzList({ rules: rules(opts, option), ...optional('policy', opts.choice('policy', ['allow', 'deny'] as const)) }));
      case 'authz-listfile':
        return this.authz(id, opts, () => new AuthzListFile({ filename: required(opts, 'filename', option), ...optional('refresh', opts.bool('refresh')) }));
      case 'vnc-plain-user':
        return this.plainUser(id, opts, option);
      default:
        throw new OptionError(
          `${option}: unknown object type '${type}' (accepted: secret, tls-creds-x509, tls-creds-anon, authz-simple, authz-list, authz-listfile, vnc-plain-user)`,
        );
    }
  }

  creds(id: string, option: string): TlsCreds {
    const creds = this.tlsCreds.get(id);
    if (!creds) throw new OptionError(`${option}: no tls-creds object with id '${id}'`);
    return creds;
  }

  authzFor(id: string, option: string): Authz {
    const authz = this.authzs.get(id);
    if (!authz) throw new OptionError(`${option}: no authz object with id '${id}'`);
    return authz;
  }

  /** Re-reads every x509 credentials' files (SIGHUP, display-reload): renewed certificates serve new connections. */
  reloadTls(): void {
    for (const creds of this.tlsCreds.values()) if (creds instanceof TlsCredsX509) creds.reload();
  }

  close(): void {
    for (const authz of this.authzs.values()) authz.close?.();
  }

  private secret(id: string, opts: OptsReader): void {
    const values: SecretOptions = { id };
    const data = opts.string('data');
    const file = opts.string('file');
    const keyid = opts.string('keyid');
    const iv = opts.string('iv');
    const format = opts.choice('format', ['raw', 'base64'] as const);
    opts.finish();
    this.secrets.add({
      ...values,
      ...optional('data', data),
      ...optional('file', file),
      ...optional('keyid', keyid),
      ...optional('iv', iv),
      ...optional('format', format),
    });
  }

  private x509(id: string, opts: OptsReader): void {
    const option = `--object tls-creds-x509,id=${id}`;
    const dir = required(opts, 'dir', option);
    const endpoint = opts.choice('endpoint', ['server', 'client'] as const) ?? 'client'; // QEMU's default
    const verifyPeer = opts.bool('verify-peer');
    const passwordid = opts.string('passwordid');
    const priority = opts.string('priority');
    const sanityCheck = opts.bool('sanity-check');
    opts.finish();
    const password = passwordid === undefined ? undefined : this.secrets.getText(passwordid);
    this.tlsCreds.set(
      id,
      new TlsCredsX509({
        dir,
        endpoint,
        ...optional('verifyPeer', verifyPeer),
        ...optional('password', password),
        ...optional('priority', priority),
        ...optional('sanityCheck', sanityCheck),
      }),
    );
  }

  private anon(id: string, opts: OptsReader): void {
    const endpoint = opts.choice('endpoint', ['server', 'client'] as const) ?? 'client';
    const dir = opts.string('dir');
    const priority = opts.string('priority');
    opts.bool('verify-peer'); // accepted and meaningless for anonymous credentials, as in QEMU
    opts.finish();
    this.tlsCreds.set(id, new TlsCredsAnon({ endpoint, ...optional('dir', dir), ...optional('priority', priority) }));
  }

  private authz(id: string, opts: OptsReader, make: () => Authz & { close?(): void }): void {
    const authz = make();
    opts.finish();
    this.authzs.set(id, authz);
  }

  private plainUser(id: string, opts: OptsReader, option: string): void {
    const secret = required(opts, 'password-secret', option);
    opts.finish();
    this.plainUsers.set(id, this.secrets.getText(secret));
  }
}

function required(opts: OptsReader, key: string, option: string): string {
  const value = opts.string(key);
  if (value === undefined || value === '') throw new OptionError(`${option}: '${key}' is required`);
  return value;
}


/** QEMU's dotted list syntax for authz-list: rules.0.match=…,rules.0.policy=allow,rules.0.format=glob,… */
function rules(opts: OptsReader, option: string): AuthzRule[] {
  const list: AuthzRule[] = [];
  for (let i = 0; opts.has(`rules.${i}.match`); i++) {
    const match = opts.string(`rules.${i}.match`) ?? '';
    const policy = opts.choice(`rules.${i}.policy`, ['allow', 'deny'] as const);
    if (policy === undefined) throw new OptionError(`${option}: rules.${i}.policy is required (allow or deny)`);
    const format = opts.choice(`rules.${i}.format`, ['exact', 'glob'] as const);
    list.push({ match, policy, ...optional('format', format) });
  }
  return list;
}
