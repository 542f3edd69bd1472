/**
 * Everything a request can read or change: the generated account, the ledger of ingested events and
 * backfills, and retroactive price changes (history.ts).
 */
import type { Account } from './account.js';
import { PriceChanges } from './history.js';
import { EventLedger, type Backfill, type ReflectionDelay } from './ledger.js';

export interface SimulatorState {
  readonly account: Account;
  readonly ledger: EventLedger;
  readonly priceChanges: PriceChanges;
}

export function createState(
  account: Account,
  reflection: ReflectionDelay,
  onBackfillFinished?: (backfill: Backfill, at: Date) => void,
): SimulatorState {
  return { account, ledger: new EventLedger(account, reflection, onBackfillFinished), priceChanges: new PriceChanges() };
}
