import { DerError, derBits, derChildren, derIntegerHex, derOid, derTime, readDer, readDerExact } from '../../../src/crypto/tls-der';
import { readCertInfo } from '../../../src/crypto/tls-x509-info';
import { makeCa } from '../../helpers/cert-factory';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('DER reader', () => {
  test('OIDs, including multi-byte arcs', () => {
    expect(derOid(readDerExact(hex('06 03 55 1d 13'), 'oid'), 'oid')).toBe('2.5.29.19');
    expect(derOid(readDerExact(hex('06 08 2b 06 01 05 05 07 03 01'), 'oid'), 'oid')).toBe('1.3.6.1.5.5.7.3.1');
    expect(derOid(readDerExact(hex('06 09 2a 86 48 86 f7 0d 01 01 0b'), 'oid'), 'oid')).toBe('1.2.840.113549.1.1.11');
    expect(() => derOid(readDerExact(hex('06 02 2a 86'), 'oid'), 'oid')).toThrow('oid: truncated OID');
  });

  test('UTCTime (years 1950-2049) and GeneralizedTime', () => {
    const utc = (text: string): Buffer => Buffer.concat([Buffer.of(0x17, text.length), Buffer.from(text)]);
    expect(derTime(readDerExact(utc('491231235959Z'), 't'), 't').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(derTime(readDerExact(utc('500101000000Z'), 't'), 't').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    const general = Buffer.concat([Buffer.of(0x18, 15), Buffer.from('20991231120000Z')]);
    expect(derTime(readDerExact(general, 't'), 't').toISOString()).toBe('2099-12-31T12:00:00.000Z');
    expect(() => derTime(readDerExact(utc('4912312359Z'), 'notAfter'), 'notAfter')).toThrow('notAfter: malformed time "4912312359Z"');
  });

  test('BIT STRING bits (key usage digitalSignature + keyEncipherment) and INTEGER hex', () => {
    expect(derBits(readDerExact(hex('03 02 05 a0'), 'ku'), 'ku')).toEqual([true, false, true]);
    expect(derBits(readDerExact(hex('03 03 07 80 00'), 'ku'), 'ku')).toEqual([true, false, false, false, false, false, false, false, false]);
    expect(derIntegerHex(readDerExact(hex('02 02 00 ff'), 'n'), 'n')).toBe('FF');
    expect(derIntegerHex(readDerExact(hex('02 01 00'), 'n'), 'n')).toBe('0');
  });

  test('long-form lengths and children', () => {
    const body = Buffer.alloc(130, 0x05);
    const node = readDer(Buffer.concat([hex('30 81 84'), hex('02 01 01'), Buffer.of(0x04, 0x7f), body.subarray(0, 127)]));
    expect(node.content.length).toBe(132);
    const [first, second] = derChildren(node, 'seq');
    expect(first?.tag).toBe(0x02);
    expect(second?.content.length).toBe(127);
  });

  test('malformed input is a DerError naming what was read', () => {
    expect(() => readDer(hex('30'), 0, 'extensions')).toThrow(new DerError('extensions: truncated DER header'));
    expect(() => readDer(hex('30 05 02 01'), 0, 'validity')).toThrow('validity: DER length 5 runs past the end of the data');
    expect(() => readDer(hex('1f 81 01 00'), 0, 'x')).toThrow('x: high tag numbers are not used in X.509');
    expect(() => readDerExact(hex('05 00 00'), 'value')).toThrow('value: trailing bytes after the DER value');
    expect(() => derChildren(readDer(hex('02 01 01')), 'seq')).toThrow('seq: expected a constructed value, found tag 0x02');
  });
});

test('certificate facts agree with Node where Node has them', () => {
  const ca = makeCa({ notBefore: new Date('2024-02-29T12:34:56Z'), notAfter: new Date('2055-06-01T00:00:00Z') });
  const info = readCertInfo(ca.x509);
  expect(info.notBefore).toEqual(new Date(ca.x509.validFrom));
  expect(info.notAfter).toEqual(new Date(ca.x509.validTo));
  expect(info.notAfter.toISOString()).toBe('2055-06-01T00:00:00.000Z');
  expect(info.serial).toBe(ca.x509.serialNumber.replace(/^0+/, ''));
  expect(info.subject).toBe('CN=vncd Test CA,O=vncd test,C=GB');
  expect(info.basicConstraints).toEqual({ ca: true, critical: true });
  expect(ca.x509.ca).toBe(true);
  expect(info.keyUsage).toEqual({ usages: new Set(['keyCertSign', 'cRLSign']), critical: true });
  expect(info.extKeyUsage).toBeUndefined();
  const leaf = readCertInfo(ca.issue('client', { extKeyUsage: { purposes: ['clientAuth', 'emailProtection'], critical: true } }).x509);
  expect(leaf.extKeyUsage).toEqual({ purposes: ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'], critical: true });
  expect(leaf.basicConstraints).toEqual({ ca: false, critical: true });
  expect(leaf.issuerDer.equals(info.subjectDer)).toBe(true);
});
