import { HALO_TRAITS, startHaloContractDesk } from '../support/contract-desk-halo.js';
import { runTicketSystemContract } from '../support/ticket-system-contract.js';

runTicketSystemContract('halo (fake tenant)', startHaloContractDesk, HALO_TRAITS);
