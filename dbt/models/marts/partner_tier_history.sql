-- Tier history: one row per partner and period during which its tier stayed the same, so "what
-- tier was P on 1 March" is `valid_from <= '2026-03-01' and (valid_to > '2026-03-01' or valid_to
-- is null)`. Periods without a tier (before signing, after termination) have no row.
with tier_days as (
    select * from {{ ref('int_partner_tier_days') }}
    where tier is not null
),

changes as (
    select
        partner_id,
        date_day,
        tier,
        case
            when
                lag(tier) over (partition by partner_id order by date_day) = tier
                and lag(date_day) over (partition by partner_id order by date_day)
                = {{ add_days('date_day', -1) }}
                then 0
            else 1
        end as starts_period
    from tier_days
),

periods as (
    select
        partner_id,
        date_day,
        tier,
        sum(starts_period) over (
            partition by partner_id order by date_day rows unbounded preceding
        ) as period_number
    from changes
),

final as (
    select
        partner_id,
        tier,
        min(date_day) as valid_from,
        case
            when max(date_day) < {{ as_of_date() }} then {{ add_days('max(date_day)', 1) }}
        end as valid_to
    from periods
    group by partner_id, period_number, tier
)

select * from final
