import { SERVICENOW_TRAITS, startServiceNowContractDesk } from '../support/contract-desk-servicenow.js';
import { runTicketSystemContract } from '../support/ticket-system-contract.js';

runTicketSystemContract('servicenow (fake instance)', startServiceNowContractDesk, SERVICENOW_TRAITS);
