import { SecurityType } from '../protocol/constants';
import type { SecurityHandler } from './security';

export const noneSecurity: SecurityHandler = {
  type: SecurityType.NONE,
  name: 'none',
  authenticate: () => Promise.resolve({ ok: true }),
};
