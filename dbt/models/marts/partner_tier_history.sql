-- Tier history: one row per partner and period during which its tier stayed the same, so "what
-- tier was P on 1 March" is `valid_from <= '2026-03-01' and (valid_to > '2026-03-01' or valid_to
-- is null)`. Periods without a tier (before signing, after termination) have no row.
with tier_days as (
    -- the days a tier can change (int_partner_tier_days), in order
    select * from {{ ref('int_partner_tier_days') }}
),

changes as (
    select
        partner_id,
        date_day,
        tier,
        case
            when lag(tier) over (partition by partner_id order by date_day) = tier then 0
            else 1
        end as starts_period
    from tier_days
),

periods as (
    select
        partner_id,
        date_day,
        tier,
        starts_period,
        sum(starts_period) over (
            partition by partner_id order by date_day rows unbounded preceding
        ) as period_number
    from changes
),

period_starts as (
    select
        partner_id,
        tier,
        date_day as valid_from,
        -- a period ends where the next one (another tier, or none) starts
        lead(date_day) over (partition by partner_id order by date_day) as valid_to
    from periods
    where starts_period = 1
),

final as (
    select
        partner_id,
        tier,
        valid_from,
        valid_to
    from period_starts
    where tier is not null
)

select * from final
