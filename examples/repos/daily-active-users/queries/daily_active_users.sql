-- Daily active users by country and plan.
-- Owner: growth. Runs daily after core.user_profile_v1 lands.
WITH active AS (
    SELECT p.dt,
           p.country,
           p.is_premium,
           p.user_id
    FROM core.user_profile_v1 AS p
    WHERE p.signup_ts <= CAST(p.dt AS VARCHAR) || ' 23:59:59'
)
SELECT dt,
       country,
       is_premium,
       COUNT(DISTINCT user_id) AS active_users
FROM active
GROUP BY dt, country, is_premium
ORDER BY dt, country, is_premium;
