import { JIRA_TRAITS, startJiraContractDesk } from '../support/contract-desk-jira.js';
import { runTicketSystemContract } from '../support/ticket-system-contract.js';

runTicketSystemContract('jira (fake JSM site)', startJiraContractDesk, JIRA_TRAITS);
