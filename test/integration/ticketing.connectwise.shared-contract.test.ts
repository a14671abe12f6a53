import { CONNECTWISE_TRAITS, startConnectWiseContractDesk } from '../support/contract-desk-connectwise.js';
import { runTicketSystemContract } from '../support/ticket-system-contract.js';

runTicketSystemContract('connectwise (fake PSA)', startConnectWiseContractDesk, CONNECTWISE_TRAITS);
