-- The quarterly business review scorecard (METRICS.md section 9): one row per partner signed as
-- of D and calendar quarter, for the scorecard_quarters quarters up to and including D's quarter
-- (the current one to date). Each figure counts the events dated in the quarter and on or before
-- D; tier and activity are those of the quarter's last day (D for the current quarter), restated
-- at that day: the tier history (int_partner_tier_days) and the activity rule of section 4 over
-- the activity events known by then (int_partner_activity_events, as int_partner_days does).
{%- set first_quarter = add_months(
    quarter_start(as_of_date()), -3 * (var('scorecard_quarters') - 1)
) %}

with partners as (
    select * from {{ ref('int_partners') }}
    where is_signed
),

lines as (
    select * from {{ ref('int_revenue_lines') }}
),

credited_revenue as (
    select * from {{ ref('int_attribution_credited_revenue') }}
),

line_links as (
    select * from {{ ref('int_partner_line_links') }}
),

registrations as (
    select * from {{ ref('int_deal_registrations_matched') }}
),

referrals as (
    select * from {{ ref('int_referrals_matched') }}
),

mdf_spend as (
    select * from {{ ref('int_mdf_spend') }}
),

survey_responses as (
    select * from {{ ref('stg_surveys__partner_nps') }}
),

tier_days as (
    select * from {{ ref('int_partner_tier_days') }}
),

activity_events as (
    select * from {{ ref('int_partner_activity_events') }}
),

scorecard_days as (
    {{ date_spine(first_quarter, as_of_date()) }}
),

quarters as (
    select distinct {{ quarter_start('date_day') }} as quarter_start
    from scorecard_days
),

partner_quarters as (
    select
        partners.partner_id,
        partners.agreement_date,
        partners.terminated_date,
        quarters.quarter_start,
        least(
            {{ add_days(add_months('quarters.quarter_start', 3), -1) }}, {{ as_of_date() }}
        ) as quarter_last_day
    from partners
    cross join quarters
),

-- every dated event of a partner that the scorecard sums or counts, with its quarter
events as (
    select
        sourcing_partner_id as partner_id,
        close_date as event_date,
        revenue_usd as sourced_revenue_usd,
        0 as credited_revenue_usd,
        0 as won_deals,
        0 as deal_registrations,
        0 as converted_referrals,
        0 as mdf_spent_usd
    from lines
    where is_won and sourcing_partner_id is not null
    union all
    select
        partner_id,
        close_date as event_date,
        0 as sourced_revenue_usd,
        credited_revenue_usd,
        0 as won_deals,
        0 as deal_registrations,
        0 as converted_referrals,
        0 as mdf_spent_usd
    from credited_revenue
    where model = 'program' and is_won
    union all
    -- a won deal it sourced or influenced; a refund is never a deal, an unconverted line is
    select
        partner_id,
        close_date as event_date,
        0 as sourced_revenue_usd,
        0 as credited_revenue_usd,
        1 as won_deals,
        0 as deal_registrations,
        0 as converted_referrals,
        0 as mdf_spent_usd
    from line_links
    where is_won and amount >= 0
    union all
    select
        partner_id,
        registered_date as event_date,
        0 as sourced_revenue_usd,
        0 as credited_revenue_usd,
        0 as won_deals,
        1 as deal_registrations,
        0 as converted_referrals,
        0 as mdf_spent_usd
    from registrations
    where is_approved
    union all
    select
        partner_id,
        converted_date as event_date,
        0 as sourced_revenue_usd,
        0 as credited_revenue_usd,
        0 as won_deals,
        0 as deal_registrations,
        1 as converted_referrals,
        0 as mdf_spent_usd
    from referrals
    where is_converted_as_of
    union all
    select
        partner_id,
        spend_date as event_date,
        0 as sourced_revenue_usd,
        0 as credited_revenue_usd,
        0 as won_deals,
        0 as deal_registrations,
        0 as converted_referrals,
        spent_usd as mdf_spent_usd
    from mdf_spend
),

quarter_sums as (
    select
        partner_id,
        {{ quarter_start('event_date') }} as quarter_start,
        sum(sourced_revenue_usd) as sourced_revenue_usd,
        sum(credited_revenue_usd) as credited_revenue_usd,
        sum(won_deals) as won_deals,
        sum(deal_registrations) as deal_registrations,
        sum(converted_referrals) as converted_referrals,
        sum(mdf_spent_usd) as mdf_spent_usd
    from events
    where event_date >= {{ first_quarter }} and event_date <= {{ as_of_date() }}
    group by partner_id, {{ quarter_start('event_date') }}
),

-- the partner's latest response in each quarter
quarter_nps as (
    select
        partner_id,
        {{ quarter_start('responded_date') }} as quarter_start,
        score,
        row_number() over (
            partition by partner_id, {{ quarter_start('responded_date') }}
            order by responded_at desc, response_id desc
        ) as recency
    from survey_responses
    where responded_date >= {{ first_quarter }} and responded_date <= {{ as_of_date() }}
),

-- the tier on the quarter's last day: the latest tier day on or before it
quarter_tiers as (
    select
        partner_quarters.partner_id,
        partner_quarters.quarter_start,
        tier_days.tier,
        row_number() over (
            partition by partner_quarters.partner_id, partner_quarters.quarter_start
            order by tier_days.date_day desc
        ) as recency
    from partner_quarters
    inner join tier_days
        on
            partner_quarters.partner_id = tier_days.partner_id
            and tier_days.date_day <= partner_quarters.quarter_last_day
),

-- active on the quarter's last day X: signed on X, with an activity that counts on X (restated at
-- X: int_partner_activity_events) and dated in the activity window up to X (section 4)
quarter_activity as (
    select distinct
        partner_quarters.partner_id,
        partner_quarters.quarter_start
    from partner_quarters
    inner join activity_events
        on
            partner_quarters.partner_id = activity_events.partner_id
            and activity_events.counts_from <= partner_quarters.quarter_last_day
            and activity_events.counts_to >= partner_quarters.quarter_last_day
            and activity_events.activity_date
            > {{ add_days('partner_quarters.quarter_last_day', -var('activity_window_days')) }}
    where
        partner_quarters.agreement_date <= partner_quarters.quarter_last_day
        and (
            partner_quarters.terminated_date is null
            or partner_quarters.terminated_date > partner_quarters.quarter_last_day
        )
),

final as (
    select
        partner_quarters.partner_id,
        partner_quarters.quarter_start,
        partner_quarters.quarter_last_day,
        cast(coalesce(quarter_sums.sourced_revenue_usd, 0) as {{ money_type() }})
            as sourced_revenue_usd,
        cast(coalesce(quarter_sums.credited_revenue_usd, 0) as {{ money_type() }})
            as credited_revenue_usd,
        cast(coalesce(quarter_sums.won_deals, 0) as integer) as won_deals,
        cast(coalesce(quarter_sums.deal_registrations, 0) as integer) as deal_registrations,
        cast(coalesce(quarter_sums.converted_referrals, 0) as integer) as converted_referrals,
        cast(coalesce(quarter_sums.mdf_spent_usd, 0) as {{ money_type() }}) as mdf_spent_usd,
        quarter_nps.score as nps_score,
        quarter_tiers.tier,
        quarter_activity.partner_id is not null as is_active
    from partner_quarters
    left join quarter_sums
        on
            partner_quarters.partner_id = quarter_sums.partner_id
            and partner_quarters.quarter_start = quarter_sums.quarter_start
    left join quarter_nps
        on
            partner_quarters.partner_id = quarter_nps.partner_id
            and partner_quarters.quarter_start = quarter_nps.quarter_start
            and quarter_nps.recency = 1
    left join quarter_tiers
        on
            partner_quarters.partner_id = quarter_tiers.partner_id
            and partner_quarters.quarter_start = quarter_tiers.quarter_start
            and quarter_tiers.recency = 1
    left join quarter_activity
        on
            partner_quarters.partner_id = quarter_activity.partner_id
            and partner_quarters.quarter_start = quarter_activity.quarter_start
)

select * from final
