import { LOCAL_DESK_TRAITS, startLocalContractDesk } from '../support/contract-desk-local.js';
import { runTicketSystemContract } from '../support/ticket-system-contract.js';

runTicketSystemContract('local (embedded desk)', startLocalContractDesk, LOCAL_DESK_TRAITS);
