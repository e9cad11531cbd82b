-- Nobody registered this repository in the catalog: skein discover finds it anyway.
SELECT "country", COUNT(*) AS premium_users
FROM "core"."user_profile_v1"
WHERE "is_premium" = 1
GROUP BY "country";
