/** Everything a request can read or change: the generated account and the ledger of ingested events and backfills. */
import type { Account } from './account.js';
import { EventLedger, type ReflectionDelay } from './ledger.js';

export interface SimulatorState {
  readonly account: Account;
  readonly ledger: EventLedger;
}

export function createState(account: Account, reflection: ReflectionDelay): SimulatorState {
  return { account, ledger: new EventLedger(account, reflection) };
}
