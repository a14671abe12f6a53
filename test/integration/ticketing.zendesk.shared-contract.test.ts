import { ZENDESK_TRAITS, startZendeskContractDesk } from '../support/contract-desk-zendesk.js';
import { runTicketSystemContract } from '../support/ticket-system-contract.js';

runTicketSystemContract('zendesk (fake account)', startZendeskContractDesk, ZENDESK_TRAITS);
