import { PlatformError } from '../errors.js';

/** STA answered 404 for a path; the adapter turns it into the domain error (user, group) it means there. */
export class StaNotFound extends PlatformError {
  override readonly name = 'StaNotFound';
  constructor(what: string) {
    super(`SafeNet Trusted Access has no ${what}`, `SafeNet Trusted Access answered 404 for ${what}`, false);
  }
}

/** The tenant has more users than STA_USER_SCAN_PAGES pages: a search by email or last name would be incomplete. */
export class StaUserScanLimit extends PlatformError {
  override readonly name = 'StaUserScanLimit';
  constructor(pages: number) {
    super(
      `the tenant has more than ${pages} pages of users`,
      `searching users by email or last name reads every user and stopped after ${pages} pages of 100: raise STA_USER_SCAN_PAGES, or have the requester give their STA user name`,
      false,
    );
  }
}

/** STA refused a request with a 4xx other than 401/403/404/429 (a 400 or 409 …): repeating it will not help. */
export class StaRefused extends PlatformError {
  override readonly name = 'StaRefused';
  constructor(readonly status: number, what: string) {
    super(`SafeNet Trusted Access refused ${what}: HTTP ${status}`, `SafeNet Trusted Access refused ${what} (HTTP ${status}); check the request in the STA console`, false);
  }
}

/** A list (groups, log pages) ran past the pages the adapter reads in one call. */
export class StaListTooLong extends PlatformError {
  override readonly name = 'StaListTooLong';
  constructor(what: string, pages: number) {
    super(`more than ${pages} pages of ${what}`, `SafeNet Trusted Access returned more than ${pages} pages of ${what}; do this step in the console`, false);
  }
}
