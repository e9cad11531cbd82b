#legacySQL
SELECT country, COUNT(user_id) AS signups
FROM [acme-analytics:core.user_profile_v1]
GROUP BY country
