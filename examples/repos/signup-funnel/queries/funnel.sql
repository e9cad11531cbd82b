-- BigQuery: signups per week and country, premium conversion.
SELECT
  DATE_TRUNC(DATE(p.signup_ts), WEEK) AS signup_week,
  p.country,
  COUNT(*) AS signups,
  COUNTIF(p.is_premium = 1) AS premium_signups
FROM `acme-analytics.core.user_profile_v1` AS p
WHERE p.dt = CURRENT_DATE()
GROUP BY signup_week, p.country
