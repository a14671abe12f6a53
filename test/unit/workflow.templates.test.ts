import { describe, expect, it } from 'vitest';
import { formatUtc } from '../../workflows/resync/format-time.js';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { CATALOGUES } from '../../workflows/resync/messages/index.js';
import { DEFAULT_TEMPLATES, TEMPLATE_NAMES, render } from '../../workflows/resync/templates.js';
import { Desk, KT4, T0, challengeDesk, otpDesk } from './workflow.harness.js';

const policy = parsePolicy();

describe('templates', () => {
  const internal = (name: string): boolean => /^(note|fact|why|next|runbook)_/.test(name);

  it.each(TEMPLATE_NAMES.filter((n) => !internal(n)))('%s (public) holds no digit, so it can never show a code', (name) => {
    expect(DEFAULT_TEMPLATES[name]).not.toMatch(/\d/);
  });

  it.each(TEMPLATE_NAMES.filter(internal))('%s (internal) holds no number', (name) => {
    expect(DEFAULT_TEMPLATES[name]).not.toMatch(/\d\d/);
  });

  it('fills {{placeholders}}', () => {
    expect(render('ask_codes', { firstName: 'Ada', codeLength: 6 }, policy)).toMatch(/^Hello Ada,[\s\S]*6 digits/);
  });

  it('renders an unknown or missing placeholder empty rather than showing braces', () => {
    expect(render('ask_codes', {}, policy)).not.toContain('{{');
  });

  it('drops a line that holds only an empty placeholder', () => {
    const note = render('note_asked_codes', { facts: '', serial: 'S1', deadline: 'soon', onTimeout: 'close' }, policy);
    expect(note.split('\n')).toHaveLength(3);
    expect(note).not.toMatch(/\n\s*\n/);
  });

  it('uses the policy’s text for its language', () => {
    const german = parsePolicy({ language: 'de', templates: { de: { reminder_retest: 'Funktioniert es jetzt, {{firstName}}?' } } });
    expect(render('reminder_retest', { firstName: 'Ada' }, german)).toBe('Funktioniert es jetzt, Ada?');
  });

  it('falls back to the language’s catalogue for a reply, and to English for a note, that the language does not override', () => {
    const german = parsePolicy({ language: 'de', templates: { de: {} } });
    expect(render('escalated', {}, german)).toBe(CATALOGUES.de.escalated);
    expect(render('note_rejected', { user: 'alice' }, german)).toBe(DEFAULT_TEMPLATES.note_rejected.replace('{{user}}', 'alice'));
  });

  it('ignores overrides for another language', () => {
    const english = parsePolicy({ templates: { de: { escalated: 'Ein Kollege übernimmt.' } } });
    expect(render('escalated', {}, english)).toBe(DEFAULT_TEMPLATES.escalated);
  });

  it('reach the ticket through the workflow with the override', () => {
    const desk = otpDesk(Desk.withPolicy({ templates: { en: { ask_codes: 'Two codes please, {{firstName}}.' } } }));
    expect(desk.update().publicReply).toBe('Two codes please, Alice.');
  });

  it('greet the requester by first name, or "there" without one', () => {
    const anonymous = otpDesk(new Desk(undefined, { system: 'local', id: 't2', subject: '', status: 'new', tags: ['2fa_issue'], requester: { id: 'r2', email: 'alice.archer@example.com' } }));
    expect(anonymous.update().publicReply).toMatch(/^Hello there,/);
  });

  it('the KT-4 ask carries the challenge and every button step of the runbook', () => {
    const reply = challengeDesk().update().publicReply ?? '';
    expect(reply).toContain(KT4.type);
    for (const step of ['Hold the button', 'Init and Contrast', "shows 'Resync', press the button again", 'Enter this challenge', 'Reply to this message with that response']) {
      expect(reply).toContain(step);
    }
  });
});

describe('formatUtc', () => {
  it.each([0, T0, Date.UTC(2000, 1, 29, 23, 59), Date.UTC(2024, 11, 31, 0, 1), Date.UTC(2100, 2, 1, 12, 30), Date.UTC(1969, 11, 31, 18, 0)])('agrees with Date for %i', (ms) => {
    const iso = new Date(ms).toISOString();
    expect(formatUtc(ms)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`);
  });
});
