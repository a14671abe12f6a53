import { generate, type HotpDigits } from './hotp.js';
import { respond } from './ocra.js';

export interface VirtualTokenOptions {
  /** base32, the same secret as the platform's token */
  secret: string;
  /** the device's own counter, which may have drifted ahead of the server's */
  counter: number;
  kind: 'mobilepass' | 'kt4';
  digits: HotpDigits;
}

/**
 * The end user's device in simulations: it keeps its own counter and produces real codes, so a
 * simulated user whose device drifted ahead of the server exercises the real resync search.
 */
export class VirtualToken {
  private readonly secret: string;
  private readonly kind: VirtualTokenOptions['kind'];
  private readonly digits: HotpDigits;
  private nextCounter: number;

  constructor(options: VirtualTokenOptions) {
    this.secret = options.secret;
    this.kind = options.kind;
    // A KT-4 shows 8 digits whatever the options say, as the platform expects.
    this.digits = options.kind === 'kt4' ? 8 : options.digits;
    this.nextCounter = options.counter;
  }

  /** the counter the next code or response will use */
  get counter(): number {
    return this.nextCounter;
  }

  /** one button press: the HOTP code at the device's counter */
  nextCode(): string {
    return generate(this.secret, this.nextCounter++, this.digits);
  }

  /** a KT-4's OCRA response to a numeric challenge typed into the device */
  respond(challenge: string): string {
    if (this.kind !== 'kt4') throw new Error('only a KT-4 answers challenges');
    return respond(this.secret, this.nextCounter++, challenge);
  }
}
