-- Costs are cumulative within a billing period, so a day's own cost is its value minus the previous
-- day's. period_first_day: the customer-local date on which the window's period starts; the models
-- keep a day only when it starts its period or the day before it was read too. before_start_date:
-- the day before the configured start date, read only as the first day's starting point.
ALTER TABLE raw_subscription_cost_days ADD COLUMN period_first_day DATE;
ALTER TABLE raw_subscription_cost_days ADD COLUMN before_start_date BOOLEAN;
