-- Weekly actives for the growth dashboard. Reads the DAU mart, not the profile.
SELECT date_trunc('week', dt) AS week, country, SUM(active_users) AS actives
FROM growth.daily_active_users
GROUP BY 1, 2
