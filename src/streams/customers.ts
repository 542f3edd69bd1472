import type { Customer } from 'orb-billing/resources/customers/customers';
import type { ListStream } from './stream.js';
import { customerVersion } from './subscriptions.js';

/**
 * Customers, new ones by created_at. Subscriptions embed their customer, so most changes arrive
 * with them; the whole list (customers with no subscription among them) is re-read at most once
 * per `customerRereadHours`.
 */
export const customersStream: ListStream<Customer> = {
  kind: 'list',
  name: 'customers',
  endpoint: 'default',
  recordKey: (customer) => customer.id,
  cursorField: (customer) => new Date(customer.created_at).toISOString(),
  // gte, not gt: a customer created in the same instant as the cursor is read again, not lost.
  list: (orb, cursor) => orb.customers.list({ limit: 100, ...(cursor ? { 'created_at[gte]': cursor } : {}) }),
  rereads: [(orb) => orb.customers.list({ limit: 100 })],
  rereadEveryHours: (ctx) => ctx.settings.customerRereadHours,
  toVersions: (customer) => [customerVersion(customer)],
};
