import type { AuthRecord, PlatformCapabilities, ResyncOutcome, TwoFactorPlatform, UserQuery } from '../integrations/twofa/platform.js';
import type { PlatformUser, TokenInfo } from '../workflows/resync/model.js';

/** A TwoFactorPlatform that counts each call by method and by the user (or query e-mail) it concerns. */
export class CountingPlatform implements TwoFactorPlatform {
  readonly calls = new Map<string, Map<string, number>>();
  readonly name: string;
  readonly capabilities: PlatformCapabilities;

  constructor(readonly inner: TwoFactorPlatform) {
    this.name = inner.name;
    this.capabilities = inner.capabilities;
  }

  private hit(who: string, method: string): void {
    const per = this.calls.get(who) ?? new Map<string, number>();
    per.set(method, (per.get(method) ?? 0) + 1);
    this.calls.set(who, per);
  }

  findUsers(query: UserQuery): Promise<PlatformUser[]> {
    this.hit(`email:${(query.email ?? query.userName ?? query.lastName ?? '').toLowerCase()}`, 'findUsers');
    return this.inner.findUsers(query);
  }
  getGroups(userId: string): Promise<string[]> {
    this.hit(userId, 'getGroups');
    return this.inner.getGroups(userId);
  }
  addToGroup(userId: string, group: string): Promise<void> {
    this.hit(userId, 'addToGroup');
    return this.inner.addToGroup(userId, group);
  }
  listTokens(userId: string): Promise<TokenInfo[]> {
    this.hit(userId, 'listTokens');
    return this.inner.listTokens(userId);
  }
  startChallenge(userId: string, serial: string): Promise<{ challenge: string }> {
    this.hit(userId, 'startChallenge');
    return this.inner.startChallenge(userId, serial);
  }
  resyncOtp(userId: string, serial: string, code1: string, code2: string): Promise<ResyncOutcome> {
    this.hit(userId, 'resyncOtp');
    return this.inner.resyncOtp(userId, serial, code1, code2);
  }
  resyncChallenge(userId: string, serial: string, challenge: string, response: string): Promise<ResyncOutcome> {
    this.hit(userId, 'resyncChallenge');
    return this.inner.resyncChallenge(userId, serial, challenge, response);
  }
  recentAuthentications(userId: string, since: number): Promise<AuthRecord[]> {
    this.hit(userId, 'recentAuthentications');
    return this.inner.recentAuthentications(userId, since);
  }
  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
