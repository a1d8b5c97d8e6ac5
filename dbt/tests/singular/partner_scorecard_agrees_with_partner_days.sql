-- The scorecard restates activity and tier at each quarter's last day by the same rules as the
-- daily partner state (int_partner_days) and the tier history (partner_tier_history): on every
-- quarter-end day inside the daily series, the two must agree. Rows returned are disagreements.
with scorecard as (
    select * from {{ ref('partner_scorecard') }}
),

partner_days as (
    select * from {{ ref('int_partner_days') }}
),

tier_history as (
    select * from {{ ref('partner_tier_history') }}
),

final as (
    select
        scorecard.partner_id,
        scorecard.quarter_last_day,
        scorecard.is_active,
        partner_days.is_active as daily_is_active,
        scorecard.tier,
        tier_history.tier as history_tier
    from scorecard
    inner join partner_days
        on
            scorecard.partner_id = partner_days.partner_id
            and scorecard.quarter_last_day = partner_days.date_day
    left join tier_history
        on
            scorecard.partner_id = tier_history.partner_id
            and tier_history.valid_from <= scorecard.quarter_last_day
            and (
                tier_history.valid_to > scorecard.quarter_last_day
                or tier_history.valid_to is null
            )
    where
        scorecard.is_active != partner_days.is_active
        or coalesce(scorecard.tier, '-') != coalesce(tier_history.tier, '-')
)

select * from final
