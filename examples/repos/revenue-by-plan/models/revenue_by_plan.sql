{{ config(materialized='table') }}

-- Revenue per day split by premium flag.
with profiles as (
    select user_id, is_premium, dt
    from {{ source('core', 'user_profile_v1') }}
),

orders as (
    select user_id, amount, dt
    from {{ source('core', 'orders') }}
)

select
    o.dt,
    p.is_premium,
    sum(o.amount) as revenue,
    count(distinct o.user_id) as buyers
from orders o
join profiles p
  on p.user_id = o.user_id
 and p.dt = o.dt
group by 1, 2
