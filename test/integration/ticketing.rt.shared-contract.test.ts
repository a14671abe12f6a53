import { afterAll, describe } from 'vitest';
import { RT_TRAITS, startRtContractDesk, stopSharedRt } from '../support/contract-desk-rt.js';
import { runTicketSystemContract } from '../support/ticket-system-contract.js';

// The shared TicketSystem contract on the real Request Tracker 5 (Debian's request-tracker5), one RT for the file.
describe.skipIf(process.env.TEST_RT === 'off')('Request Tracker 5 (real)', () => {
  afterAll(stopSharedRt);
  runTicketSystemContract('rt', startRtContractDesk, RT_TRAITS);
});
