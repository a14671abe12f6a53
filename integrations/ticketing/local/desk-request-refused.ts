import { TicketingError } from '../errors.js';

/** The desk understood the request and said no (400, 409 …): sending the same request again cannot help. */
export class DeskRequestRefused extends TicketingError {
  override readonly name = 'DeskRequestRefused';
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`the local desk refused the request (HTTP ${status}): ${detail}`, `the local desk answered ${status}: ${detail}`, false);
  }
}
