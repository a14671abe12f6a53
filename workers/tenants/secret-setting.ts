/**
 * A setting whose name has a word PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL or CREDENTIALS, or ends in
 * KEY (STA_API_KEY, …_PRIVATE_KEY), holds a secret: the tenants file may only say where to find it. The rule errs on
 * the side of secrecy: a reference is always allowed, so a false positive costs one line, a false negative a leak.
 */
export function isSecretSetting(name: string): boolean {
  const words = name.toUpperCase().split('_');
  return words.some((w) => ['PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'TOKEN', 'CREDENTIAL', 'CREDENTIALS'].includes(w)) || /KEY$/i.test(name);
}
