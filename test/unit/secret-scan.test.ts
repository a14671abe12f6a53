import { describe, expect, it } from 'vitest';
import { codesIn } from '../support/secret-scan.js';

describe('the secret scan used by the e2e and chaos tests', () => {
  it('finds a code written as text or as a JSON string', () => {
    expect(codesIn('my codes are 123456 and 654321', ['123456'])).toHaveLength(1);
    expect(codesIn('{"codes":["123456"]}', ['123456'])).toHaveLength(1);
    expect(codesIn('code:123456.', ['123456'])).toHaveLength(1);
  });

  it('does not take a timestamp, a UUID or a JSON number for a code', () => {
    expect(codesIn('{"at":1795912123456}', ['123456'])).toEqual([]);
    expect(codesIn('e123456e-e92d-4a2e-90af-b25e6cf58b10', ['123456'])).toEqual([]);
    expect(codesIn('{"waitingMs":123456}', ['123456'])).toEqual([]);
  });

  it('does not take the numbers of a dumped BullMQ job hash for a code, but still finds one in its data', () => {
    const job = 'bull:timers:1\nname=sla_risk\ndelay=298652\ntimestamp=1795930442914\ndata={"tk":"local:1"}';
    expect(codesIn(job, ['298652'])).toEqual([]);
    expect(codesIn(`${job}\ndata={"text":"298652"}`, ['298652'])).toHaveLength(1);
    expect(codesIn('note=298652', ['298652'])).toHaveLength(1);
  });
});
