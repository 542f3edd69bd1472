-- fct_daily_costs: cost of each price of each subscription on each customer-local day, with the
-- plan in force that day.
-- grain: one row per (day, subscription_id, price_id)
-- materialized: table
-- scope: subscription days
-- depends on: int_subscription_price_cost_days, int_subscription_cost_days, int_subscription_days_plan, dim_subscriptions
SELECT
  p.day, p.subscription_id, s.customer_id, s.external_customer_id, pl.plan_id,
  p.price_id, p.billable_metric_id, p.currency, p.quantity, p.subtotal, p.total
FROM int_subscription_price_cost_days p
JOIN int_subscription_cost_days d ON d.subscription_id = p.subscription_id AND d.day = p.day
JOIN int_subscription_days_plan pl ON pl.subscription_id = p.subscription_id AND pl.day = p.day
JOIN dim_subscriptions s ON s.subscription_id = p.subscription_id
WHERE d.is_complete AND NOT d.before_start_date
